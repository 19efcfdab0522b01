// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A probe of the stages' direction (tests/layout/CMakeLists.txt): built against one stage's
// include folders, it includes qlab/model/linear_model.h.
#include "qlab/model/linear_model.h"

int LayoutProbe() { return 0; }
