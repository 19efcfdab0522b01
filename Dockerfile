# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# qlab in a container: a build stage compiles qlab and qlab-bench from Debian 12's packages; the
# runtime stage holds only them, the Debian packages owning the shared libraries they load, and the
# plotting tool, and runs `qlab run` as an unprivileged user.
#
# The data is not baked in. Mount a folder holding cal_housing.data read-only at /data:
#   podman run --rm -v "$PWD/data:/data:ro" qlab
# or, where the build has a network, fetch it at build time: --build-arg QLAB_FETCH_DATA=1.
# tools/container.sh builds and runs this with podman on machines without a registry.

FROM docker.io/library/debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
# The dependency layer depends only on the package list, so source edits do not reinstall it.
COPY tools/install-deps.sh /src/tools/install-deps.sh
RUN bash /src/tools/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DQLAB_BUILD_TESTS=OFF \
 && cmake --build /build -j "$(nproc)" \
 && mkdir -p /out/bin \
 && cp /build/tools/qlab /out/bin/ \
 && if [ -e /build/bench/qlab-bench ]; then cp /build/bench/qlab-bench /out/bin/; fi \
 && bash tools/runtime-packages.sh /out/bin/* > /out/runtime-packages.txt \
 && echo gnuplot-nox >> /out/runtime-packages.txt
ARG QLAB_FETCH_DATA=0
RUN mkdir -p /out/data \
 && if [ "$QLAB_FETCH_DATA" = 1 ]; then bash tools/fetch-data.sh /out/data; fi

FROM docker.io/library/debian:bookworm-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages.txt /usr/share/qlab/runtime-packages.txt
RUN apt-get update -qq \
 && xargs -a /usr/share/qlab/runtime-packages.txt apt-get install -y -qq --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/data/ /data/
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin qlab
USER qlab
WORKDIR /home/qlab
ENV QLAB_DATA_DIR=/data
CMD ["qlab", "run"]
