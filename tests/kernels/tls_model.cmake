# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The kernel trace (kernels/trace.h) is stored on every kernel call, so it must be a single
# thread-pointer-relative store. libqlab_kernels.a is position-independent, where GCC's default TLS
# model is general-dynamic: a call to __tls_get_addr (x86-64) or a TLS descriptor call (aarch64)
# per kernel call, measured at a quarter of a 4096-element uint8·int8 dot. This test fails if any
# object of the library holds a general- or local-dynamic TLS relocation.
#   cmake -DREADELF=... -DLIBRARY=... -P tls_model.cmake
execute_process(COMMAND "${READELF}" --relocs --wide "${LIBRARY}"
                OUTPUT_VARIABLE relocations RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${READELF} failed on ${LIBRARY} (${status})")
endif()
string(REGEX MATCHALL "R_(X86_64|AARCH64)_[A-Z0-9_]*(TLSGD|TLSLD|TLSDESC)[A-Z0-9_]*[^\n]*"
       dynamic "${relocations}")
if(dynamic)
  list(LENGTH dynamic count)
  list(GET dynamic 0 first)
  message(FATAL_ERROR "${LIBRARY}: ${count} dynamic-model TLS relocations, the first: ${first}")
endif()
string(REGEX MATCHALL "R_(X86_64|AARCH64)_[A-Z0-9_]*(TLS|TPOFF|TPREL)[A-Z0-9_]*" any "${relocations}")
list(LENGTH any count)
if(count EQUAL 0)
  message(FATAL_ERROR "${LIBRARY}: no TLS relocation at all; is the trace still thread_local?")
endif()
message(STATUS "${LIBRARY}: ${count} TLS relocations, all initial- or local-exec")
