/* Version orderings of the package managers whose systems are scanned:
 * rpm's (rpmvercmp, and the version-release and name-version-release
 * forms built on it) and dpkg's. Pure functions on strings; they never
 * allocate. Each returns <0, 0 or >0 as strcmp does (the sign only).
 *
 * The boot loaders of RPM systems order kernels with these too: grubby
 * and RHEL's grub sort BLS entries by rpm's name-version-release order,
 * which differs from strverscmp() on real kernels ("5.14.0-427.el9" is
 * older than "5.14.0-427.13.1.el9_4" for rpm, newer for strverscmp). */
#pragma once

/* rpm's rpmvercmp(): alphanumeric segments, numbers numerically (leading
 * zeros ignored) and newer than letters; '~' sorts before everything, even
 * the end; '^' after the end but before anything else; other characters
 * only separate. Identical to librpm's (the fuzz target compares them). */
int csm_rpmvercmp(const char *a, const char *b);

/* "[epoch:]version[-release]": epochs as numbers (none is 0), then the
 * version, then the release, each with csm_rpmvercmp. A release is
 * compared only when both have one, as rpm does. */
int csm_rpm_evrcmp(const char *a, const char *b);

/* "name-version-release" split at its last two '-', each part compared
 * with csm_rpmvercmp in turn: grubby's (and rpm-sort's) order of BLS
 * entry ids ("<machine-id>-5.14.0-427.13.1.el9_4.x86_64"). A string with
 * fewer dashes is compared as a whole. */
int csm_rpm_nvrcmp(const char *a, const char *b);

/* dpkg's order of "[epoch:]upstream[-revision]" (deb-version(7)): '~'
 * before everything, letters before other characters, digit runs as
 * numbers. */
int csm_dpkg_vercmp(const char *a, const char *b);

/* The upstream part of a dpkg version: without the epoch and the last
 * '-revision'. Written to buf (at most len bytes, truncated); returns buf. */
char *csm_dpkg_upstream(const char *version, char *buf, unsigned long len);
