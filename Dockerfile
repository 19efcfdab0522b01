# qlab in a container: a build stage with the Debian -dev packages, and a small runtime stage with
# qlab, qlab-bench, the shared libraries they load and gnuplot, running as a non-root user.
#
#   podman build -t qlab .
#   podman run --rm -v "$PWD/data:/data:ro" -v "$PWD/reports:/home/qlab/reports" qlab
#
# The data are mounted read-only at /data at run time (QLAB_DATA_DIR=/data). Where the build has
# network access, `--build-arg QLAB_FETCH_DATA=1` downloads and verifies them into the image
# instead (/opt/qlab/data); run that image with `-e QLAB_DATA_DIR=/opt/qlab/data`.

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY tools/install-deps.sh tools/
RUN bash tools/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DQLAB_BUILD_TESTS=OFF \
    && cmake --build /build -j "$(nproc)"
# The runtime stage installs exactly the Debian packages that own the shared libraries the two
# programs load. dpkg records some files under /lib and others under /usr/lib (bookworm's merged
# /usr), so each library is looked up by its resolved path, then without /usr, then as ldd named
# it; a library no package owns stops the build rather than going missing at run time.
RUN mkdir -p /out/bin \
    && cp /build/tools/qlab /build/bench/qlab-bench /out/bin/ \
    && for lib in $(ldd /out/bin/* | awk '/=> \// {print $3}' | sort -u); do \
         real=$(readlink -f "$lib"); \
         owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null \
                 || dpkg -S "$lib" 2>/dev/null) || { echo "$lib" >> /out/unowned; continue; }; \
         echo "$owner" | head -n 1 | cut -d: -f1; \
       done | sort -u > /out/runtime-packages.txt \
    && if [ -e /out/unowned ]; then echo "no package owns:" $(cat /out/unowned) >&2; exit 1; fi \
    && test -s /out/runtime-packages.txt \
    && cat /out/runtime-packages.txt
ARG QLAB_FETCH_DATA=0
RUN mkdir -p /out/data \
    && if [ "$QLAB_FETCH_DATA" = 1 ]; then bash tools/fetch-data.sh /out/data; fi

FROM debian:bookworm-slim AS runtime
COPY --from=build /out/runtime-packages.txt /tmp/
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       $(cat /tmp/runtime-packages.txt) gnuplot-nox \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin qlab
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/data/ /opt/qlab/data/
USER qlab
WORKDIR /home/qlab
ENV QLAB_DATA_DIR=/data
ENTRYPOINT ["qlab"]
CMD ["run"]
