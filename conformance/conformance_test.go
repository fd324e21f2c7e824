package conformance

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite cases/*/expected.txt with Perl's output")

// raceBuild is set by race_test.go when the test runs under -race.
var raceBuild bool

// runTimeout bounds each program; the slowest case waits well under a
// second.
const runTimeout = 30 * time.Second

// TestConformance runs every case's Perl program and its Go port and
// compares both outputs with the case's expected.txt.
func TestConformance(t *testing.T) {
	bin := buildPoeconf(t)
	perlErr := checkPerl()
	requirePeers := os.Getenv("POE_REQUIRE_PEERS") == "1"
	if perlErr != nil && requirePeers {
		t.Fatalf("POE_REQUIRE_PEERS=1 but Perl POE is missing (apt-get install perl libpoe-perl): %v", perlErr)
	}
	if perlErr != nil && *update {
		t.Fatalf("-update needs Perl POE: %v", perlErr)
	}
	parallel := os.Getenv("POE_CONFORMANCE_PARALLEL") == "1"
	parallelSafe := listCases(t, bin)

	dirs, err := filepath.Glob(filepath.Join("cases", "*", "prog.pl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no cases found in cases/*/prog.pl")
	}
	seen := map[string]bool{}
	for _, prog := range dirs {
		dir := filepath.Dir(prog)
		name := filepath.Base(dir)
		seen[name] = true
		// Cases run one at a time: several use timers 20-50 ms apart,
		// and programs competing for two cores would merge batches
		// that Perl keeps apart.
		t.Run(name, func(t *testing.T) {
			mode, ok := parallelSafe[name]
			if !ok {
				t.Fatalf("cmd/poeconf has no case %q (add case_%s.go)", name, name)
			}
			expPath := filepath.Join(dir, "expected.txt")

			var perlOut []byte
			if perlErr == nil {
				perlOut = runProgram(t, dir, "perl", "prog.pl")
				if *update {
					if err := os.WriteFile(expPath, perlOut, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want, err := os.ReadFile(expPath)
			if err != nil {
				t.Fatalf("%v (generate it with -update)", err)
			}
			if perlErr == nil && !bytes.Equal(perlOut, want) {
				t.Errorf("perl prog.pl differs from expected.txt (run with -update if the program changed):\n%s", diff(want, perlOut))
			}

			args := []string{name}
			if parallel {
				if mode == "" {
					t.Skip("not parallel-safe: its output depends on cross-session interleaving")
				}
				args = []string{"-parallel", name}
			}
			goOut := runProgram(t, dir, bin, args...)
			if parallel && mode == "parallel-lines" {
				// Sessions print in an order of their own: the
				// lines are compared as a set.
				goOut, want = sortedLines(goOut), sortedLines(want)
			}
			if !bytes.Equal(goOut, want) {
				t.Errorf("poeconf %s differs from Perl's output (-want +got):\n%s", strings.Join(args, " "), diff(want, goOut))
			}
		})
	}
	for name := range parallelSafe {
		if !seen[name] {
			t.Errorf("poeconf case %q has no cases/%s/prog.pl", name, name)
		}
	}
	if perlErr != nil {
		t.Run("perl", func(t *testing.T) {
			t.Skipf("Perl POE is missing, so only the Go side was checked, against expected.txt (install perl and libpoe-perl, or set POE_REQUIRE_PEERS=1 to fail instead): %v", perlErr)
		})
	}
}

// checkPerl reports why Perl POE cannot run, or nil.
func checkPerl() error {
	if _, err := exec.LookPath("perl"); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "perl", "-MPOE", "-e", "1").CombinedOutput()
	if err != nil {
		return fmt.Errorf("perl -MPOE: %v: %s", err, out)
	}
	return nil
}

// buildPoeconf builds cmd/poeconf once into a temporary directory.
func buildPoeconf(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "poeconf")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/poeconf")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/poeconf: %v\n%s", err, out)
	}
	return bin
}

// listCases returns poeconf's cases and whether each is parallel-safe.
func listCases(t *testing.T, bin string) map[string]string {
	t.Helper()
	out, err := exec.Command(bin, "-list").Output()
	if err != nil {
		t.Fatalf("poeconf -list: %v", err)
	}
	cases := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		cases[f[0]] = strings.Join(f[1:], " ")
	}
	return cases
}

// sortedLines returns out's lines in sorted order.
func sortedLines(out []byte) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	slices.Sort(lines)
	return []byte(strings.Join(lines, ""))
}

// runProgram runs a program in dir and returns its standard output. Every
// program ends normally (those that make run die catch it and print it),
// so a non-zero exit, a timeout or a race report is an error; the output
// is returned anyway for the comparison.
func runProgram(t *testing.T, dir, prog string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %v\nstdout:\n%s\nstderr:\n%s", prog, strings.Join(args, " "), runTimeout, stdout.Bytes(), stderr.Bytes())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s %s: %v", prog, strings.Join(args, " "), err)
	}
	name := filepath.Base(prog) + " " + strings.Join(args, " ")
	switch {
	case err != nil:
		t.Errorf("%s: %v\nstderr:\n%s", name, err, stderr.Bytes())
	case bytes.Contains(stderr.Bytes(), []byte("WARNING: DATA RACE")):
		t.Errorf("%s: data race\nstderr:\n%s", name, stderr.Bytes())
	case stderr.Len() > 0:
		t.Logf("%s stderr:\n%s", name, stderr.Bytes())
	}
	return stdout.Bytes()
}

// diff returns a line diff of want and got: "-" lines only in want, "+"
// lines only in got, " " lines in both.
func diff(want, got []byte) string {
	a := splitLines(want)
	b := splitLines(got)
	// Longest common subsequence; the outputs are a few dozen lines.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			fmt.Fprintf(&sb, "  %s\n", a[i])
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&sb, "- %s\n", a[i])
			i++
		default:
			fmt.Fprintf(&sb, "+ %s\n", b[j])
			j++
		}
	}
	return sb.String()
}

func splitLines(b []byte) []string {
	s := string(b)
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = l[:len(l)-1]
		} else {
			lines[i] = l + "\\ no newline at end"
		}
	}
	return lines
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name, want, got, diff string
	}{
		{"equal", "a\nb\n", "a\nb\n", "  a\n  b\n"},
		{"changed line", "a\nb\nc\n", "a\nx\nc\n", "  a\n- b\n+ x\n  c\n"},
		{"moved line", "a\nb\nc\n", "b\nc\na\n", "- a\n  b\n  c\n+ a\n"},
		{"missing newline", "a\n", "a", "- a\n+ a\\ no newline at end\n"},
		{"empty got", "a\n", "", "- a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := diff([]byte(tt.want), []byte(tt.got)); got != tt.diff {
				t.Errorf("diff(%q, %q) = %q, want %q", tt.want, tt.got, got, tt.diff)
			}
		})
	}
}
