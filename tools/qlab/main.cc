// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "qlab/io/input_error.h"
#include "qlab/io/number.h"
#include "qlab/io/output_transaction.h"
#include "qlab/io/stream.h"
#include "qlab/io/temporaries.h"
#include "qlab/io/version.h"
#include "qlab/kernels.h"

namespace qlab::cli {

using io::InputError;
using io::kVersion;
namespace {

struct Entry {
  int order;
  std::string name;
  std::string description;
  Setup setup;
};

std::vector<Entry>& Registry() {
  static std::vector<Entry> entries;
  return entries;
}

std::ostringstream& Buffer() {
  static std::ostringstream buffer;
  return buffer;
}

// One line, whatever CLI11 put in its message.
std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Every numeric option of every subcommand is read by io's decimal-only parser before CLI11
// converts it: CLI11 2.1 converts integers with strtoll(..., 0), so "010" would be octal 8 and
// "0x10" 16, and floats with strtold, so "0x1p-3" would be 0.125. The transform refuses what
// io::ParseOption* refuses and hands CLI11 a string whose conversion is the correctly rounded
// value: the text itself, or for a double that strtold would round twice, its exact hex form.
CLI::Validator DecimalOnly(char kind) {
  return CLI::Validator(
      [kind](std::string& text) -> std::string {
        std::string problem;
        if (kind == 'U') {
          uint64_t value = 0;
          problem = io::ParseOptionUnsigned(text, UINT64_MAX, value);
        } else if (kind == 'I') {
          int64_t value = 0;
          problem = io::ParseOptionInteger(text, INT64_MIN, INT64_MAX, value);
        } else {
          double value = 0;
          problem = io::ParseOptionDouble(text, value);
          if (problem.empty() &&
              static_cast<double>(std::strtold(text.c_str(), nullptr)) != value) {
            char exact[64];
            std::snprintf(exact, sizeof exact, "%a", value);
            text = exact;
          }
        }
        return problem.empty() ? problem : "'" + io::Printable(text) + "': " + problem;
      },
      "");
}

// The kind of number an option holds, from the type name CLI11 derives from the bound variable
// ("INT", "UINT", "FLOAT", followed by ":..." for each check): 'I', 'U', 'F' or 0 for the rest.
char NumberKind(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const std::string base = type.substr(0, type.find(':'));
  if (base == "INT") return 'I';
  if (base == "UINT") return 'U';
  if (base == "FLOAT") return 'F';
  return 0;
}

void ReadNumbersAsDecimal(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    if (const char kind = NumberKind(*option); kind != 0) option->transform(DecimalOnly(kind));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    ReadNumbersAsDecimal(*sub);
  }
}

}  // namespace

std::ostream& Out() { return Buffer(); }

Registrar::Registrar(int order, std::string name, std::string description, Setup setup) {
  Registry().push_back({order, std::move(name), std::move(description), std::move(setup)});
}

std::string ResolveDataDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("QLAB_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return "data";
}

void AddDataDirOption(CLI::App& sub, std::string& data_dir) {
  sub.add_option("--data-dir", data_dir,
                 "Folder holding cal_housing.data (default: $QLAB_DATA_DIR, else ./data)");
}

void AddIsaOption(CLI::App& sub, std::string& isa) {
  sub.add_option("--isa", isa, "Run the kernels on this Highway target only (see `qlab targets`)");
}

void ApplyIsa(const std::string& isa) {
  if (isa.empty()) return;
  if (!kernels::ForceTarget(isa)) {
    std::string names;
    for (const auto& t : kernels::SupportedTargets()) names += (names.empty() ? "" : ", ") + t.name;
    throw InputError("--isa " + isa +
                     ": not a target this build and CPU support (supported: " + names + ")");
  }
}

// Whether the parsed command line prints nothing to stdout: only `score --output FILE` (its
// rows go to FILE, its --json summary to stderr), which a closed stdout does not stop.
bool WritesNothingToStdout(const std::vector<std::pair<CLI::App*, Action>>& actions) {
  for (const auto& [sub, action] : actions) {
    if (!sub->parsed() || sub->get_name() != "score") continue;
    const CLI::Option* output = sub->get_option_no_throw("--output");
    return output != nullptr && output->count() > 0 && output->as<std::string>() != "-";
  }
  return false;
}

// Builds the command line, parses it and runs the chosen command; errors propagate to Main.
// `stdout_open`: false when qlab started with stdout closed (`>&-`).
int Run(int argc, char** argv, bool stdout_open) {
  CLI::App app{"qlab: a SIMD numerics and quantization lab", "qlab"};
  app.set_version_flag("--version", std::string("qlab ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough(false);

  auto& entries = Registry();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, Action>> actions;
  for (auto& entry : entries) {
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    actions.emplace_back(sub, entry.setup(*sub));
  }
  ReadNumbersAsDecimal(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    // Through the one checked writer: on /dev/full the message names the errno (ENOSPC).
    std::ostringstream text;
    const int code = app.exit(e, text, std::cerr);
    if (!stdout_open) throw io::OutputError("<stdout>", "standard output is closed");
    io::OutputStream out("-");
    out.Write(text.str());
    out.Commit();
    return code;
  } catch (const CLI::ConversionError& e) {
    // A decimal integer the transform accepted that does not fit the option's own type (`--seed
    // 4294967296` for a 32-bit seed): CLI11 says "Could not convert: --seed = 4294967296".
    const std::string what = OneLine(e.what());
    const std::string prefix = "Could not convert: ";
    const size_t equals = what.find(" = ");
    if (what.rfind(prefix, 0) == 0 && equals != std::string::npos) {
      std::cerr << "qlab: " << what.substr(prefix.size(), equals - prefix.size()) << ": '"
                << io::Printable(what.substr(equals + 3))
                << "': out of range for this option (see --help)\n";
    } else {
      std::cerr << "qlab: " << what << "\n";
    }
    return kExitBadInput;
  } catch (const CLI::ParseError& e) {
    // CLI11 reads an unknown first word as a missing subcommand ("A subcommand is required").
    if (argc > 1 && app.get_subcommands().empty()) {
      std::cerr << "qlab: '" << io::Printable(argv[1]) << "' is not "
                << (argv[1][0] == '-' ? "an option" : "a subcommand") << " (see qlab --help)\n";
      return kExitBadInput;
    }
    std::cerr << "qlab: " << OneLine(e.what()) << "\n";
    return kExitBadInput;
  }
  if (!stdout_open && !WritesNothingToStdout(actions)) {
    // Nothing this command prints could reach anyone: stop before anything is computed.
    std::cerr << "qlab: standard output is closed; nothing was done\n";
    return kExitOutputFailed;
  }

  // An empty value given on purpose is never "use the default": `--out ''` would otherwise write
  // the default folder (reports/<time>-<host>/), `--predictions ''` nothing at all. Flags hold no
  // value; numbers are refused by their own parser above with the same wording.
  for (const auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->get_type_size_max() == 0) continue;
      for (const std::string& value : opt->results()) {
        if (value.empty()) {
          std::cerr << "qlab: " << opt->get_name() << ": '': empty, expected a value\n";
          return kExitBadInput;
        }
      }
    }
  }

  // Everything the command writes is kept only if it ends normally, its stdout included: bad
  // input found late, a full disk or a lost stdout (exit 2, 3 or 4) leaves the outputs as they
  // were and removes any folder it created (lab/io/include/qlab/io/output_transaction.h).
  io::OutputTransaction outputs;
  int code = kExitOk;
  for (auto& [sub, action] : actions) {
    if (sub->parsed() && action) code = action();
  }
  // Checked, not assumed: on /dev/full or a dead pipe the results are lost, which is exit 4.
  if (stdout_open) {
    io::OutputStream out("-");
    out.Write(Buffer().str());
    out.Commit();
  }
  outputs.Commit();
  return code;
}

// Every exception ends here, whether from building the command line or from a command; stdout
// stays empty because commands write to Buffer(), printed only on success.
int Main(int argc, char** argv) {
  // Write errors are reported, not died of: EPIPE instead of SIGPIPE, EFBIG instead of SIGXFSZ.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  // SIGINT and SIGTERM remove the temporaries of outputs being written, then end qlab by the
  // same signal (lab/io/temporaries.h).
  io::InstallTemporaryCleanup();
  const bool stdout_open = io::PrepareStandardStreams();
  try {
    return Run(argc, argv, stdout_open);
  } catch (const InputError& e) {
    std::cerr << e.Format() << "\n";
    return kExitBadInput;
  } catch (const io::OutputError& e) {
    std::cerr << e.Format() << "\n";
    return kExitOutputFailed;
  } catch (const std::bad_alloc&) {
    std::cerr << "qlab: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "qlab: internal error: " << OneLine(e.what()) << "\n";
  } catch (...) {
    std::cerr << "qlab: internal error\n";
  }
  return kExitInternal;
}

}  // namespace qlab::cli

int main(int argc, char** argv) { return qlab::cli::Main(argc, argv); }
