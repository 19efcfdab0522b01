// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The loaders read files by path, so each fuzz input is written to one private temporary file (or
// a file inside a private folder) before the loader runs; the public APIs stay as they are.
// Bad input must surface as qlab::io::InputError and nothing else: any other exception is a finding,
// reported by aborting so libFuzzer saves the input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "qlab/io/input_error.h"

namespace qlab::fuzz {

class ScratchFolder {
 public:
  ScratchFolder() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "qlab-fuzz.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Replaces `name` inside the folder with exactly these bytes; returns its path.
  std::string Write(const std::string& name, const uint8_t* data, size_t size) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
      std::fprintf(stderr, "fuzz: cannot write %s\n", file.c_str());
      std::abort();
    }
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// The folder lives as long as the process; libFuzzer runs every input in it.
inline const ScratchFolder& Scratch() {
  static const ScratchFolder* folder = new ScratchFolder();
  return *folder;
}

// Runs `load`; a qlab::io::InputError is the expected outcome for bad input, anything else aborts.
template <typename Load>
void ExpectOnlyInputErrors(Load&& load) {
  try {
    load();
  } catch (const qlab::io::InputError& e) {
    // The CLI prints Format() as its one diagnostic line: it must be a single line.
    const std::string line = e.Format();
    if (line.find('\n') != std::string::npos) {
      std::fprintf(stderr, "fuzz: multi-line diagnostic: %s\n", line.c_str());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: unexpected exception (not qlab::io::InputError): %s\n", e.what());
    std::abort();
  }
}

}  // namespace qlab::fuzz
