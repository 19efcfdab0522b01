// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Subcommands register themselves: each cmd_*.cc defines one static Registrar. main.cc owns the
// exit-code contract: 0 success, 1 a check found a regression, 2 bad input (one line on stderr,
// nothing on stdout), 3 an internal error, 4 an output could not be written (disk full, I/O
// error, file size limit, stdout closed or its reader gone; one line on stderr).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <ostream>
#include <string>

namespace qlab::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;
inline constexpr int kExitOutputFailed = 4;

// Results go here, not to std::cout: main.cc prints them only once the command has succeeded, so a
// failure never leaves half a result on stdout.
std::ostream& Out();

// An action returns its exit code (kExitOk or kExitRegression); bad input throws qlab::InputError.
using Action = std::function<int()>;
// Adds the subcommand's options to `sub` (binding them to state the returned action owns, e.g.
// through a std::shared_ptr) and returns the action main.cc runs when `sub` was given.
using Setup = std::function<Action(CLI::App& sub)>;

struct Registrar {
  // `order` sorts the subcommands in --help.
  Registrar(int order, std::string name, std::string description, Setup setup);
};

// Shared option helpers, so every subcommand spells them the same way.
std::string ResolveDataDir(const std::string& flag_value);  // --data-dir, $QLAB_DATA_DIR, ./data
void AddDataDirOption(CLI::App& sub, std::string& data_dir);
void AddIsaOption(CLI::App& sub, std::string& isa);  // --isa NAME: force one kernel target
void ApplyIsa(const std::string& isa);               // throws InputError when not supported

}  // namespace qlab::cli
