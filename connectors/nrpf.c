/* nrpf: the LA's No Recourse to Public Funds casework export (REFERENCE section 5), one
 * AgencyEvent per CSV row, at effective_date 00:00 UK local time. The optional columns the
 * reference rules never read are carried into the event as received. */
#include "hr_time.h"
#include "reader_int.h"

enum {
  N_ID,
  N_LA,
  N_NHS,
  N_GIVEN,
  N_FAMILY,
  N_DOB,
  N_POSTCODE,
  N_STATUS,
  N_EFFECTIVE,
  N_DEPENDANTS,
  N_HOUSEHOLD,
  N_IMMIGRATION,
  N_SUPPORT_START,
  N_SUPPORT_END,
  N_CLOSURE,
  N__N
};
static const hr__csv_col nrpf_cols[N__N] = {
    {"record_id", 1},          {"la_code", 0},          {"nhs_number", 0},     {"given_name", 0},
    {"family_name", 0},        {"date_of_birth", 0},    {"postcode", 0},       {"status", 1},
    {"effective_date", 1},     {"dependants", 0},       {"household_type", 0}, {"immigration_status", 0},
    {"support_start_date", 0}, {"support_end_date", 0}, {"closure_reason", 0},
};

static int nrpf_row(hr_reader *r) {
  static const Hearth__V1__NrpfRecord nrpf0 = HEARTH__V1__NRPF_RECORD__INIT;
  int rc = 0;
  int32_t days, dob, dependants = 0;
  const char *s;
  size_t n;

  hr__str id = hr__csv_str(r, N_ID);
  if (id.n == 0)
    return hr__dead(r, HR_DL_missing_field, "record_id", "record_id is empty; every row needs a record_id");

  hr__csv_raw(r, N_STATUS, &s, &n);
  Hearth__V1__NrpfStatus status;
  if (hr__eq_nocase(s, n, "nrpf"))
    status = HEARTH__V1__NRPF_STATUS__NRPF_STATUS_NRPF;
  else if (hr__eq_nocase(s, n, "recourse"))
    status = HEARTH__V1__NRPF_STATUS__NRPF_STATUS_RECOURSE;
  else if (n == 0)
    return hr__dead(r, HR_DL_missing_field, "status", "status is empty; write nrpf or recourse");
  else
    return hr__dead_value(r, HR_DL_unknown_status, "status", s, n,
                          "is not a status Hearth reads; write nrpf or recourse");

  hr__str eff = hr__csv_str(r, N_EFFECTIVE);
  if (eff.n == 0)
    return hr__dead(r, HR_DL_missing_field, "effective_date",
                    "effective_date is empty; every row needs the date its status takes effect (YYYY-MM-DD)");
  if (hr_parse_date(eff.s, eff.n, &days) != 0)
    return hr__dead_value(r, HR_DL_bad_date, "effective_date", eff.s, eff.n,
                          "is not a real date; write it as YYYY-MM-DD");

  char *dob_s = hr__csv_date(r, N_DOB, &dob, &rc);
  if (!dob_s) return rc;

  hr__csv_raw(r, N_DEPENDANTS, &s, &n);
  if (n && !hr__parse_count(s, n, &dependants))
    return hr__dead_value(r, HR_DL_out_of_range, "dependants", s, n,
                          "is not a count of dependants; write a whole number 0 or more, or leave it empty");

  hr__event_begin(r, HEARTH__V1__FEED__FEED_NRPF);
  r->ev.event_time_us = hr_uk_instant_of(days, 0, 0);
  r->ev.la_code = hr__csv_str(r, N_LA).s;
  hr__csv_raw(r, N_NHS, &s, &n);
  hr__subject_nhs(r, s, n);
  r->subject.date_of_birth = dob_s;
  hr__subject_names(r, hr__csv_str(r, N_GIVEN), hr__csv_str(r, N_FAMILY), hr__csv_str(r, N_POSTCODE));

  Hearth__V1__NrpfRecord *rec = &r->nrpf;
  *rec = nrpf0;
  rec->record_id = id.s;
  rec->status = status;
  rec->effective_date = eff.s;
  rec->dependants = dependants;
  rec->household_type = hr__csv_str(r, N_HOUSEHOLD).s;
  rec->immigration_status = hr__csv_str(r, N_IMMIGRATION).s;
  rec->support_start_date = hr__csv_str(r, N_SUPPORT_START).s;
  rec->support_end_date = hr__csv_str(r, N_SUPPORT_END).s;
  rec->closure_reason = hr__csv_str(r, N_CLOSURE).s;
  r->ev.payload_case = HEARTH__V1__AGENCY_EVENT__PAYLOAD_NRPF;
  r->ev.nrpf = rec;
  return hr__event_finish(r);
}

const hr__csv_spec hr__nrpf_spec = {nrpf_cols, N__N, nrpf_row};
