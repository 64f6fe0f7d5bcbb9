/* Tests of the RFC 4180 scanner (connectors/csv.c) and the CSV framing every CSV input shares
 * (header mapping, blank lines, structural faults, limits, positions, seek), exercised through
 * the key_workers kind, whose only required column is key_worker_id. */
#include "csv.h"
#include "test_connector_util.h"

/* ---- the scanner ---------------------------------------------------------------------------- */

typedef struct scanned {
  size_t nrows;
  size_t nfields[8];
  char text[8][8][32]; /* unescaped, untrimmed field text */
  uint64_t line[8];
  unsigned flags[8];
} scanned;

static void scan(const char *in, scanned *out) {
  hr_csv c;
  hr_csv_field fields[8];
  hr_csv_row row = {.fields = fields, .cap = 8};
  memset(out, 0, sizeof *out);
  hr_csv_init(&c, in, strlen(in));
  while (out->nrows < 8 && hr_csv_next(&c, &row)) {
    size_t k = out->nrows++;
    out->nfields[k] = row.nfields;
    out->line[k] = row.line;
    out->flags[k] = row.flags;
    for (size_t i = 0; i < row.nfields && i < 8; i++) {
      char buf[64];
      size_t n = fields[i].len < 31 ? fields[i].len : 31;
      memcpy(buf, in + fields[i].off, n);
      n = fields[i].escaped ? hr_csv_unescape(buf, n, buf) : n;
      memcpy(out->text[k][i], buf, n);
      out->text[k][i][n] = '\0';
    }
  }
}

static void test_scanner_splits_rows_and_fields(void) {
  scanned s;
  scan("a,b,c\n1,,3\n", &s);
  CHECK_INT(s.nrows, 2);
  CHECK_INT(s.nfields[0], 3);
  CHECK_STR(s.text[0][2], "c");
  CHECK_INT(s.nfields[1], 3);
  CHECK_STR(s.text[1][1], "");
  CHECK_STR(s.text[1][2], "3");
  CHECK_INT(s.line[1], 2);
}

static void test_scanner_quoted_fields_hold_commas_newlines_and_doubled_quotes(void) {
  scanned s;
  scan("x,\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",y,z\nlast,1,2", &s);
  CHECK_INT(s.nrows, 3);
  CHECK_STR(s.text[0][1], "a,b");
  CHECK_STR(s.text[0][2], "say \"hi\"");
  CHECK_STR(s.text[1][0], "two\nlines");
  CHECK_INT(s.line[1], 2);
  CHECK_INT(s.line[2], 4); /* the quoted newline moved the next row down a line */
  CHECK_STR(s.text[2][2], "2");
  CHECK_INT(s.flags[0] | s.flags[1] | s.flags[2], 0);
}

static void test_scanner_ends_rows_at_lf_crlf_and_final_cr_only(void) {
  scanned s;
  scan("a,b\r\nc,d\re\nf,g\r", &s);
  CHECK_INT(s.nrows, 3);
  CHECK_STR(s.text[0][1], "b");
  CHECK_STR(s.text[1][1], "d\re"); /* a lone CR inside a row is data */
  CHECK_STR(s.text[2][1], "g");
  CHECK_INT(s.line[2], 3);
}

static void test_scanner_trailing_comma_gives_an_empty_last_field(void) {
  scanned s;
  scan("a,b,\nc,d,", &s);
  CHECK_INT(s.nfields[0], 3);
  CHECK_INT(s.nfields[1], 3);
}

static void test_scanner_flags_faults_without_losing_the_next_row(void) {
  scanned s;
  scan("\"ab\"c,d\nok,1\n", &s);
  CHECK_INT(s.nrows, 2);
  CHECK(s.flags[0] & HR_CSV_BAD_QUOTE);
  CHECK_INT(s.nfields[0], 2);
  CHECK_INT(s.flags[1], 0);
  scan("ok,1\n\"never closed,2\nmore\n", &s);
  CHECK_INT(s.nrows, 2);
  CHECK(s.flags[1] & HR_CSV_UNTERMINATED);
  scan("a\xC3,b\nc\0d", &s); /* strlen stops at the NUL: only check HIGH here */
  CHECK(s.flags[0] & HR_CSV_HIGH);
}

static void test_scanner_spaces_around_quotes_are_allowed(void) {
  scanned s;
  scan("  \"a,b\"  ,c\n", &s);
  CHECK_INT(s.nfields[0], 2);
  CHECK_STR(s.text[0][0], "a,b");
  CHECK_INT(s.flags[0], 0);
}

/* ---- framing through a reader ----------------------------------------------------------------- */

#define KW_HEADER "key_worker_id,name,email,team_id,la_code\n"

static void test_header_is_trimmed_case_insensitive_and_in_any_order(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS,
                           "\xEF\xBB\xBF LA_Code , Key_Worker_ID,extra,NAME\nE09000007,KW1,x,\"Smith, Jo\"\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    const Hearth__V1__KeyWorker *kw = rec.reg->key_worker;
    CHECK_INT(rec.reg->record_case, HEARTH__V1__REGISTER_RECORD__RECORD_KEY_WORKER);
    CHECK_STR(kw->key_worker_id, "KW1");
    CHECK_STR(kw->la_code, "E09000007");
    CHECK_STR(kw->name, "Smith, Jo");
    CHECK_STR(kw->email, "");
    CHECK_INT(rec.position, 2);
    CHECK_INT(rec.reg->position, 2);
    CHECK_STR(rec.reg->source, "test.in");
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_cells_are_trimmed_and_empty_cells_are_unknown(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, KW_HEADER "  KW2 ,  Jo Bloggs\t, ,\" T1 \",\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->key_worker->key_worker_id, "KW2");
    CHECK_STR(rec.reg->key_worker->name, "Jo Bloggs");
    CHECK_STR(rec.reg->key_worker->email, "");
    CHECK_STR(rec.reg->key_worker->team_id, "T1");
  }
  hr_reader_free(r);
}

static void test_blank_lines_and_empty_rows_are_skipped_silently(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, "\n\n" KW_HEADER "\nKW1,a,b,c,d\n\r\n , ,,,\nKW2,a,b,c,d\n\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_INT(rec.position, 5);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_INT(rec.position, 8);
  EXPECT_END(r);
  hr_reader_stats st;
  hr_reader_stats_get(r, &st);
  CHECK_INT(st.records, 2);
  CHECK_INT(st.deadletters, 0);
  hr_reader_free(r);
}

static void test_crlf_files_read_like_lf_files(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, "key_worker_id,name\r\nKW1,Ann\r\n\"KW2\",\"Bo\r\nb\"\r\nKW3,Cy\r\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_STR(rec.reg->key_worker->name, "Ann");
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->key_worker->key_worker_id, "KW2");
    CHECK_INT(rec.position, 3);
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->key_worker->name, "Cy");
    CHECK_INT(rec.position, 5);
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_structural_faults_are_dead_lettered_and_neighbours_carry_on(void) {
  static const dl_case cases[] = {
      {"too_few_fields", "KW9,a,b", HR_DL_not_parseable, ""},
      {"too_many_fields", "KW9,a,b,c,d,e", HR_DL_not_parseable, ""},
      {"text_after_closing_quote", "\"KW9\"x,a,b,c,d", HR_DL_not_parseable, ""},
      {"invalid_utf8", "KW9,caf\xE9,b,c,d", HR_DL_invalid_utf8, ""},
      {"overlong_utf8", "KW9,\xC0\xAF,b,c,d", HR_DL_invalid_utf8, ""},
      {"utf8_surrogate", "KW9,\xED\xA0\x80,b,c,d", HR_DL_invalid_utf8, ""},
      {"empty_required_cell", ",a,b,c,d", HR_DL_missing_field, "key_worker_id"},
      {"multi_line_quoted_row_with_wrong_count", "KW9,\"a\nb\nc\",d", HR_DL_not_parseable, ""},
  };
  RUN_DL_CASES(HR_INPUT_KEY_WORKERS, KW_HEADER, "KW1,Ann,a@x,T1,E09000007", "\n", cases, HR_RECORD_REGISTER);
}

static void test_nul_byte_in_a_row_is_not_parseable(void) {
  static const char in[] = KW_HEADER "KW1,a,b,c,d\nKW2,a\0b,b,c,d\nKW3,a,b,c,d\n";
  hr_reader *r = hr_reader_new(HR_INPUT_KEY_WORKERS, in, sizeof in - 1, "t", NULL);
  hr_record rec;
  EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_not_parseable);
    CHECK_INT(rec.dl->position, 3);
    CHECK(strstr(rec.dl->message, "NUL") != NULL);
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_STR(rec.reg->key_worker->key_worker_id, "KW3");
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_unterminated_quote_at_end_is_not_parseable(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, KW_HEADER "KW1,a,b,c,d\nKW2,\"never closed,b,c,d\nKW3,a,b,c,d\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_STR(rec.reg->key_worker->key_worker_id, "KW1");
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_not_parseable);
    CHECK_INT(rec.dl->position, 3);
    CHECK_INT(rec.dl->raw_len, strlen("KW2,\"never closed,b,c,d\nKW3,a,b,c,d\n"));
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_missing_required_column_dead_letters_every_row(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, "name,email\nAnn,a@x\n\nBo,b@x\n");
  hr_record rec;
  for (int i = 0; i < 2; i++)
    if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
      CHECK_INT(rec.dl->reason, HR_DL_missing_column);
      CHECK_STR(rec.dl->field, "key_worker_id");
      CHECK_INT(rec.dl->position, i == 0 ? 2 : 4);
      CHECK(strstr(rec.dl->message, "key_worker_id") != NULL);
    }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_unusable_header_is_dead_lettered_and_so_is_every_row(void) {
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, "key_worker_id,n\xFF"
                                                 "ame\nKW1,Ann\n");
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_invalid_utf8);
    CHECK_INT(rec.dl->position, 1);
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_missing_column);
    CHECK_INT(rec.dl->position, 2);
  }
  EXPECT_END(r);
  hr_reader_free(r);
}

static void test_header_only_and_empty_inputs_yield_nothing(void) {
  const char *inputs[] = {"", "\n\n", KW_HEADER, "\xEF\xBB\xBF", "key_worker_id"};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, inputs[i]);
    EXPECT_END(r);
    hr_reader_free(r);
  }
}

/* A 1 MB quoted field with newlines and commas: the row is oversized, skipped to its true end,
 * and the next row keeps its real line number. */
static void test_megabyte_quoted_field_is_oversized_and_skipped_to_its_end(void) {
  size_t big = 1024 * 1024;
  char *field = repeat('x', big);
  for (size_t i = 1000; i < big; i += 1000)
    field[i] = i % 3000 == 0 ? '\n' : ',';
  hr_buf in = {0};
  hr_buf_puts(&in, KW_HEADER "KW1,a,b,c,d\nKW2,\"");
  hr_buf_puts(&in, field);
  hr_buf_puts(&in, "\",b,c,d\nKW3,a,b,c,d\n");
  uint64_t newlines = 0;
  for (size_t i = 0; i < big; i++)
    newlines += field[i] == '\n';
  hr_reader *r = hr_reader_new(HR_INPUT_KEY_WORKERS, in.data, in.len, "t", NULL);
  hr_record rec;
  EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_oversized);
    CHECK_INT(rec.dl->position, 3);
    CHECK(rec.dl->raw_len > big);
  }
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->key_worker->key_worker_id, "KW3");
    CHECK_INT(rec.position, 4 + newlines);
  }
  EXPECT_END(r);
  hr_reader_free(r);
  hr_buf_free(&in);
  free(field);
}

static void test_field_over_the_limit_in_a_read_column_is_oversized(void) {
  char *name = repeat('n', HR_MAX_FIELD_BYTES + 1);
  hr_buf in = {0};
  hr_buf_puts(&in, KW_HEADER "KW1,");
  hr_buf_puts(&in, name);
  hr_buf_puts(&in, ",b,c,d\nKW2,a,b,c,d\n");
  hr_reader *r = hr_reader_new(HR_INPUT_KEY_WORKERS, in.data, in.len, "t", NULL);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_DEADLETTER)) {
    CHECK_INT(rec.dl->reason, HR_DL_oversized);
    CHECK_STR(rec.dl->field, "name");
  }
  EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER);
  EXPECT_END(r);
  hr_reader_free(r);
  /* The same bytes in a column Hearth does not read are fine (the row is within its limit). */
  hr_buf_reset(&in);
  hr_buf_puts(&in, "key_worker_id,notes\nKW1,");
  hr_buf_puts(&in, name);
  hr_buf_puts(&in, "\n");
  r = hr_reader_new(HR_INPUT_KEY_WORKERS, in.data, in.len, "t", NULL);
  EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER);
  hr_reader_free(r);
  hr_buf_free(&in);
  free(name);
}

static void test_wide_header_with_many_unknown_columns_is_read(void) {
  hr_buf in = {0};
  for (int i = 0; i < 300; i++)
    hr_buf_printf(&in, "c%d,", i);
  hr_buf_puts(&in, "key_worker_id\n");
  for (int i = 0; i < 300; i++)
    hr_buf_puts(&in, "v,");
  hr_buf_puts(&in, "KW7\n");
  hr_reader *r = hr_reader_new(HR_INPUT_KEY_WORKERS, in.data, in.len, "t", NULL);
  hr_record rec;
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_STR(rec.reg->key_worker->key_worker_id, "KW7");
  EXPECT_END(r);
  hr_reader_free(r);
  hr_buf_free(&in);
}

static void test_seek_rereads_a_record_at_its_offset(void) {
  const char *in = KW_HEADER "KW1,a,b,c,d\nKW2,a,b,c,d\nKW3,a,b,c,d\n";
  hr_reader *r = open_text(HR_INPUT_KEY_WORKERS, in);
  hr_record rec;
  uint64_t off[3], pos[3];
  for (int i = 0; i < 3; i++)
    if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) off[i] = rec.offset, pos[i] = rec.position;
  hr_reader_free(r);
  /* A fresh reader seeks straight to the third record, then the first; the header is read first. */
  r = open_text(HR_INPUT_KEY_WORKERS, in);
  hr_reader_seek(r, off[2], pos[2]);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->key_worker->key_worker_id, "KW3");
    CHECK_INT(rec.position, 4);
  }
  hr_reader_seek(r, off[0], pos[0]);
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) CHECK_STR(rec.reg->key_worker->key_worker_id, "KW1");
  hr_reader_seek(r, 0, 1); /* the start means the first data row */
  if (EXPECT_NEXT(r, &rec, HR_RECORD_REGISTER)) {
    CHECK_STR(rec.reg->key_worker->key_worker_id, "KW1");
    CHECK_INT(rec.position, 2);
  }
  hr_reader_free(r);
}

static const hr_test_case tests[] = {
    {"scanner_splits_rows_and_fields", test_scanner_splits_rows_and_fields},
    {"scanner_quoted_fields_hold_commas_newlines_and_doubled_quotes",
     test_scanner_quoted_fields_hold_commas_newlines_and_doubled_quotes},
    {"scanner_ends_rows_at_lf_crlf_and_final_cr_only", test_scanner_ends_rows_at_lf_crlf_and_final_cr_only},
    {"scanner_trailing_comma_gives_an_empty_last_field", test_scanner_trailing_comma_gives_an_empty_last_field},
    {"scanner_flags_faults_without_losing_the_next_row", test_scanner_flags_faults_without_losing_the_next_row},
    {"scanner_spaces_around_quotes_are_allowed", test_scanner_spaces_around_quotes_are_allowed},
    {"header_is_trimmed_case_insensitive_and_in_any_order", test_header_is_trimmed_case_insensitive_and_in_any_order},
    {"cells_are_trimmed_and_empty_cells_are_unknown", test_cells_are_trimmed_and_empty_cells_are_unknown},
    {"blank_lines_and_empty_rows_are_skipped_silently", test_blank_lines_and_empty_rows_are_skipped_silently},
    {"crlf_files_read_like_lf_files", test_crlf_files_read_like_lf_files},
    {"structural_faults_are_dead_lettered_and_neighbours_carry_on",
     test_structural_faults_are_dead_lettered_and_neighbours_carry_on},
    {"nul_byte_in_a_row_is_not_parseable", test_nul_byte_in_a_row_is_not_parseable},
    {"unterminated_quote_at_end_is_not_parseable", test_unterminated_quote_at_end_is_not_parseable},
    {"missing_required_column_dead_letters_every_row", test_missing_required_column_dead_letters_every_row},
    {"unusable_header_is_dead_lettered_and_so_is_every_row", test_unusable_header_is_dead_lettered_and_so_is_every_row},
    {"header_only_and_empty_inputs_yield_nothing", test_header_only_and_empty_inputs_yield_nothing},
    {"megabyte_quoted_field_is_oversized_and_skipped_to_its_end",
     test_megabyte_quoted_field_is_oversized_and_skipped_to_its_end},
    {"field_over_the_limit_in_a_read_column_is_oversized", test_field_over_the_limit_in_a_read_column_is_oversized},
    {"wide_header_with_many_unknown_columns_is_read", test_wide_header_with_many_unknown_columns_is_read},
    {"seek_rereads_a_record_at_its_offset", test_seek_rereads_a_record_at_its_offset},
};
HR_TEST_MAIN(tests)
