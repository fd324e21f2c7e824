package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestCountdownRuns(t *testing.T) {
	out, err := exec.Command("go", "run", ".", "-from", "3", "-every", "10ms").CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	want := "T minus 3\nT minus 2\nT minus 1\nT minus 0\nliftoff\n"
	if string(out) != want {
		t.Errorf("output = %q, want %q", out, want)
	}
	if strings.Count(string(out), "\n") != 5 {
		t.Errorf("unexpected extra output: %q", out)
	}
}
