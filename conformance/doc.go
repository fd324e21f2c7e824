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
// parallel-safe with poeconf -parallel, on kernel.New(kernel.Parallel());
// those marked for their lines only (poeconf -list says "parallel-lines")
// are compared with Perl's output as a set of lines.
//
// # Cases
//
// Each prog.pl starts with a comment saying what it checks. By DESIGN.md
// semantic: 1 queue order (01), 2 timeslices (02, 24, 36), 3 call and
// post (03, 28, 33), 4 _default (04), 5 creation (05), 6 stop and gain
// (06, 35), 7 lifetime and collection (07, 08, 25, 26, 27), 8 stopped
// sessions (09), 9 signals (10, 11, 12, 30, 31), 10 IDLE and ZOMBIE (13,
// 32), 11 DIE (14, 15, 16, 29), 12 run and stop (17, 18). The return
// values of the timer, alias, state and detach calls: 19, 20, 21, 22, 23;
// object states: 34.
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
