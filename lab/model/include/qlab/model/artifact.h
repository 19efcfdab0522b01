// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The float model's artifact: a folder holding model.json, a versioned, data-only JSON document
// (format "qlab.linear_model", version 3), written atomically (temporary file, flush, rename).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "qlab/data/split.h"
#include "qlab/io/json_document.h"
#include "qlab/io/tensor_digest.h"
#include "qlab/model/linear_model.h"

namespace qlab::model {

// model.json inside `dir` (created with missing parents; files replaced atomically). The format is
// documented in README.md ("Model artifact").
inline constexpr const char* kModelFormat = "qlab.linear_model";
// Version 2 added "tensor_sha256" (tensor_digest.h) over the tensors, checked on load; version 3
// extended it to every field that changes a prediction or a metric (the data's identity, the
// split, the features, the solver and the recorded metrics). Older versions are refused, naming
// `qlab train` to rewrite them.
inline constexpr int kModelFormatVersion = 3;
inline constexpr const char* kModelFileName = "model.json";
// The digest stored as "tensor_sha256". The entries, in order (tensor_digest.h gives the bytes):
// data.kind, data.sha256, data.target (utf8), split.test_size (f64), split.seed, split.n_train,
// split.n_test (i64), feature_names, constant_features (utf8 lists), scaler.mean, scaler.scale,
// coef, intercept (f64), solver (utf8), condition_number (f64, +inf for null), metrics.train,
// metrics.test (f64: r2, mse, mae). artifact.cc says, next to the code, why the other fields are
// left out.
std::string ModelDigest(const LinearModel& model);
// Adds those entries to `digest`, each name prefixed with `prefix` (quantized artifacts embed the
// float model).
void AddModelFields(io::TensorDigest& digest, const LinearModel& model, const std::string& prefix);
void SaveModel(const LinearModel& model, const std::string& dir);
// The float model's fields (data provenance, split, features, scaler, coefficients, solver,
// metrics): the body of model.json and the "float_model" object a quantized artifact embeds, so
// one codec reads and writes both. From JSON, every value is checked where it stands.
nlohmann::json LinearModelToJson(const LinearModel& model);
LinearModel LinearModelFromJson(const io::JsonReader& object);
// The fields a digest cannot vouch for, as a re-signed file carries a valid digest of whatever it
// holds: feature names are distinct, and each constant feature is one of them, once, with the
// scale 1 and the coefficient 0 that training gives it. Called after the digest, so an unsigned
// edit is named as one; `object` is the model's JSON (model.json or a float_model object).
void CheckModelFieldsAgree(const io::JsonReader& object, const LinearModel& model);
LinearModel LoadModel(const std::string& dir);  // InputError on a malformed or mismatched artifact

// Re-reads the data set the model records, verifying its sha256, that its columns are the model's
// feature_names and that it holds n_train + n_test rows. `dataset_override` (non-empty)
// names the data anew and skips the check (its features must still be the model's). When the
// recorded california file is gone, DATA_DIR/cal_housing.data is tried instead, still verified.
// On the recorded data, the model must also give its recorded metrics again, bit for bit (train
// computed them with the same code from the same rows): a re-signed edit of any parameter that
// changes a prediction (a mean of 1e15 beside a scale of 1e4, coefficients ×1e10 within the
// recorded condition number) is refused, naming model.artifact_file.
// What `qlab score` can verify: the recorded data when it is still there with the recorded
// sha256, split and checked as ReloadSplit does (its metrics included); nothing (nullopt) when the
// file is gone or holds other bytes now, as on a machine the model folder was copied to.
std::optional<data::SplitData> ReloadRecordedSplitIfPresent(const LinearModel& model,
                                                            const std::string& data_dir);

data::SplitData ReloadSplit(const LinearModel& model, const std::string& dataset_override,
                            const std::string& target_override, const std::string& data_dir);

}  // namespace qlab::model
