// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE lab_number
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "qlab/io/number.h"

using qlab::io::NumberStatus;
using qlab::io::ParseFiniteDecimal;
using qlab::io::ParseOptionDouble;
using qlab::io::ParseOptionInteger;
using qlab::io::ParseOptionUnsigned;

BOOST_AUTO_TEST_CASE(finite_decimal_grammar) {
  double v = -1;
  BOOST_TEST((ParseFiniteDecimal("0.1", v) == NumberStatus::kOk));
  BOOST_TEST(v == 0.1);
  BOOST_TEST((ParseFiniteDecimal("+2.5e3", v) == NumberStatus::kOk));
  BOOST_TEST(v == 2500.0);
  BOOST_TEST((ParseFiniteDecimal("-.5", v) == NumberStatus::kOk));
  BOOST_TEST(v == -0.5);
  BOOST_TEST((ParseFiniteDecimal("", v) == NumberStatus::kEmpty));
  BOOST_TEST((ParseFiniteDecimal("0x10", v) == NumberStatus::kNotANumber));
  BOOST_TEST((ParseFiniteDecimal("0x1p-3", v) == NumberStatus::kNotANumber));
  BOOST_TEST((ParseFiniteDecimal(" 5", v) == NumberStatus::kNotANumber));
  BOOST_TEST((ParseFiniteDecimal("5 ", v) == NumberStatus::kNotANumber));
  BOOST_TEST((ParseFiniteDecimal("+-5", v) == NumberStatus::kNotANumber));
  BOOST_TEST((ParseFiniteDecimal("1e400", v) == NumberStatus::kOutOfRange));
  BOOST_TEST((ParseFiniteDecimal("inf", v) == NumberStatus::kNotFinite));
  BOOST_TEST((ParseFiniteDecimal("nan", v) == NumberStatus::kNotFinite));
  BOOST_TEST((ParseFiniteDecimal("1e-400", v) == NumberStatus::kOk));  // underflow reads as 0
  BOOST_TEST(v == 0.0);
  // Correctly rounded past the fast path (more than 19 digits): the nearest double to 0.1.
  BOOST_TEST((ParseFiniteDecimal("0.1000000000000000000000001", v) == NumberStatus::kOk));
  BOOST_TEST(v == 0.1);
}

BOOST_AUTO_TEST_CASE(option_numbers_refuse_leading_zeros_hex_and_blanks) {
  uint64_t u = 7;
  BOOST_TEST(ParseOptionUnsigned("42", UINT64_MAX, u).empty());
  BOOST_TEST(u == 42u);
  BOOST_TEST(ParseOptionUnsigned("0", UINT64_MAX, u).empty());
  BOOST_TEST(u == 0u);
  BOOST_TEST(ParseOptionUnsigned("18446744073709551615", UINT64_MAX, u).empty());
  BOOST_TEST(u == UINT64_MAX);
  for (const char* bad : {"042", "010", "00", "0x10", "0X10", "", " 7", "7 ", "7.0", "1e3", "-1",
                          "-0", "18446744073709551616", "+", "++1", "1_000"}) {
    u = 7;
    BOOST_TEST(!ParseOptionUnsigned(bad, UINT64_MAX, u).empty(), "accepted '" << bad << "'");
    BOOST_TEST(u == 7u);
  }
  BOOST_TEST(ParseOptionUnsigned("042", UINT64_MAX, u).find("leading zero") != std::string::npos);
  BOOST_TEST(!ParseOptionUnsigned("9", 8, u).empty());

  int64_t i = 7;
  BOOST_TEST(ParseOptionInteger("-12", INT64_MIN, INT64_MAX, i).empty());
  BOOST_TEST(i == -12);
  BOOST_TEST(ParseOptionInteger("+12", INT64_MIN, INT64_MAX, i).empty());
  BOOST_TEST(i == 12);
  for (const char* bad : {"-012", "012", "0x8", "", "8.", "9223372036854775808"}) {
    BOOST_TEST(!ParseOptionInteger(bad, INT64_MIN, INT64_MAX, i).empty(),
               "accepted '" << bad << "'");
  }

  double d = -1;
  BOOST_TEST(ParseOptionDouble("0.125", d).empty());
  BOOST_TEST(d == 0.125);
  BOOST_TEST(ParseOptionDouble("-0.25", d).empty());
  BOOST_TEST(d == -0.25);
  BOOST_TEST(ParseOptionDouble("99.99", d).empty());
  BOOST_TEST(d == 99.99);
  BOOST_TEST(ParseOptionDouble("0", d).empty());
  for (const char* bad : {"0x1p-3", "00.5", "05", "-05.5", "", " 0.5", "0.5 ", "nan", "inf",
                          "1e400", "0.5f", "1,5"}) {
    d = -1;
    BOOST_TEST(!ParseOptionDouble(bad, d).empty(), "accepted '" << bad << "'");
    BOOST_TEST(d == -1.0);
  }
}
