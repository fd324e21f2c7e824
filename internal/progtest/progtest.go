// Package progtest runs the example programs in their tests: it builds a
// program into the test's temporary directory, starts it, learns the
// address it listens on from its "listening on ADDR" line on standard
// error, and stops it. It also finds the plain network tools (ncat) the
// examples are checked against, following the project's
// POE_REQUIRE_PEERS rule.
package progtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Patience bounds every wait: a program that hangs fails its test.
const Patience = 20 * time.Second

// Build compiles the main package in dir (relative to the test's
// directory, "." for its own) and returns the binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(abs))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// buffer is a bytes.Buffer safe for a writer goroutine and a reader.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Proc is a started program.
type Proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	Addr   string // from its "listening on ADDR" line
	stdout buffer
	stderr buffer
	done   chan struct{}
	err    error
}

// Start starts bin with args and waits for it to print "listening on
// ADDR" (in any case) on standard error. The test's cleanup stops it.
func Start(t testing.TB, bin string, args ...string) *Proc {
	t.Helper()
	return StartInput(t, "", bin, args...)
}

// StartInput is Start with stdin as the program's standard input.
func StartInput(t testing.TB, stdin string, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Stdin = strings.NewReader(stdin)
	p.cmd.Stdout = &p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			// Case aside, ncat -v says it the same way.
			if i := strings.Index(strings.ToLower(line), "listening on "); i >= 0 && !found {
				found = true
				addr <- strings.Fields(line[i+len("listening on "):])[0]
			}
		}
		io.Copy(io.Discard, pr)
		close(addr)
	}()
	t.Cleanup(func() { p.Stop() })
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("%s exited without listening (%v); stderr:\n%s", bin, p.err, p.stderr.String())
		}
		p.Addr = a
	case <-time.After(Patience):
		t.Fatalf("%s did not say where it listens within %v; stderr:\n%s", bin, Patience, p.stderr.String())
	}
	return p
}

// Stop sends SIGTERM (SIGKILL if the program has not ended within
// Patience) and returns what it printed. Later calls return the same.
func (p *Proc) Stop() (stdout, stderr string) {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(Patience):
			_ = p.cmd.Process.Kill()
			<-p.done
			p.t.Errorf("%s ignored SIGTERM for %v", p.cmd.Path, Patience)
		}
	}
	return p.stdout.String(), p.stderr.String()
}

// Stderr returns what the program has printed on standard error so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Stdout returns what the program has written to its standard output so
// far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// WaitStdout waits until the program's standard output contains want, and
// fails t past Patience.
func (p *Proc) WaitStdout(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(Patience)
	for !strings.Contains(p.Stdout(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %q on stdout; got:\n%s", Patience, want, p.Stdout())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Run runs bin with args and stdin to its end, within Patience, and
// returns its outputs and exit code.
func Run(t testing.TB, stdin string, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not end within %v; stdout %q stderr %q", bin, args, Patience, o.String(), e.String())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %s: %v", bin, err)
	}
	return o.String(), e.String(), code
}

// Peer returns the path of a network tool the test talks to the program
// with. Missing, it skips the test, or fails it when POE_REQUIRE_PEERS=1
// (CI installs the peers: Debian package pkg).
func Peer(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("POE_REQUIRE_PEERS") == "1" {
		t.Fatalf("POE_REQUIRE_PEERS=1 but %s is missing (apt-get install %s)", name, pkg)
	}
	t.Skipf("%s is missing (Debian package %s); set POE_REQUIRE_PEERS=1 to fail instead", name, pkg)
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listened on a
// moment ago, for peers that cannot be told to choose one themselves.
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// Interact runs bin with args, writes input to its standard input and
// keeps that open (a UDP ncat quits at end of input without waiting for
// the answer), collects its standard output until done says it is
// complete, then kills it and returns the output. It fails the test if
// done is not satisfied within Patience.
func Interact(t testing.TB, input string, done func(out string) bool, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		<-exited
	}()
	if _, err := io.WriteString(stdin, input); err != nil {
		t.Fatalf("write to %s: %v", bin, err)
	}
	deadline := time.Now().Add(Patience)
	for !done(out.String()) {
		select {
		case <-exited:
			if !done(out.String()) {
				t.Fatalf("%s %q exited with output %q, stderr %q", bin, args, out.String(), errOut.String())
			}
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %q: output %q not complete within %v; stderr %q", bin, args, out.String(), Patience, errOut.String())
		}
	}
	return out.String()
}
