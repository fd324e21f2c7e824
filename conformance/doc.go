// Package conformance checks the Go kernel against Perl's POE: each folder
// in cases/ holds a small deterministic Perl POE program (prog.pl) and the
// output it prints (expected.txt), and cmd/poeconf holds the line-for-line
// Go port of every program (case_NN_name.go). TestConformance runs both
// sides and compares their output byte for byte.
//
// Run it with
//
//	go test ./conformance/
//
// Perl and POE (Debian: perl, libpoe-perl) are needed for the Perl side;
// without them only the Go side is checked against expected.txt, unless
// POE_REQUIRE_PEERS=1, which makes their absence a failure. Regenerate the
// expected output from Perl with
//
//	go test ./conformance/ -run TestConformance -update
//
// POE_CONFORMANCE_PARALLEL=1 runs the Go side of the cases that are marked
// parallel-safe with poeconf -parallel, on kernel.New(kernel.Parallel()).
//
// # Writing a case
//
// Keep the program short and deterministic: no wall-clock values in the
// output (print times relative to a base), small delays, and no output
// that depends on Perl's hash order (POE keeps a session's children in a
// hash, so give each parent one child where sibling order would show).
// Print return codes in a common form: "ok", "ESRCH", "EEXIST", "EPERM",
// "EINVAL".
package conformance
