// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A probe of the stages' direction (tests/layout/CMakeLists.txt): built against one stage's
// include folders, it includes qlab/data/csv.h.
#include "qlab/data/csv.h"

int LayoutProbe() { return 0; }
