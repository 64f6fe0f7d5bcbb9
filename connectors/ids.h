/* ids: the checks on national identifiers, and makers of valid ones for synthetic data.
 *
 * NHS number: 10 digits; weights 10..2 on the first nine, check = 11 - (sum mod 11), 11 -> 0,
 * 10 -> the number is invalid. UPN (DfE unique pupil number): 13 characters, a check letter then
 * 12 characters (the last may be a letter in a temporary UPN); weights 2..13 on characters
 * 2..13, sum mod 23 indexes "ABCDEFGHJKLMNPQRTUVWXYZ". */
#ifndef HR_IDS_H
#define HR_IDS_H

#include <stddef.h>
#include <stdint.h>

/* Copies the digits of an NHS number (spaces and hyphens allowed between them) into out[11]
 * and returns 1 when the number is 10 digits and passes Modulus 11; else 0. */
int hr_nhs_normalise(const char *s, size_t len, char out[11]);
/* Returns 1 when s (exactly 13 chars, upper or lower case) is a UPN with a valid check letter,
 * writing the upper-case form to out[14]; else 0. */
int hr_upn_normalise(const char *s, size_t len, char out[14]);

/* Completes nine digits into a valid NHS number (out[11]); returns 0, or -1 when no check digit
 * exists for those nine digits (the caller picks other digits). */
int hr_nhs_make(const char nine[9], char out[11]);
/* Completes 12 characters into a valid UPN (out[14]). */
void hr_upn_make(const char twelve[12], char out[14]);

#endif
