package identserver

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seed02617006/poe/kernel"
)

// perlPeer returns the perl binary, or skips the test (fails it when
// POE_REQUIRE_PEERS=1) when perl or the module is missing.
func perlPeer(t *testing.T, module, debian string) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("POE_REQUIRE_PEERS") == "1" {
			t.Fatalf("Perl peer required (POE_REQUIRE_PEERS=1) but %s; install Debian's %s", why, debian)
		}
		t.Skipf("skipping the Perl peer test: %s (install Debian's %s)", why, debian)
	}
	perl, err := exec.LookPath("perl")
	if err != nil {
		missing("perl is not installed")
	}
	if out, err := exec.Command(perl, "-M"+module, "-e1").CombinedOutput(); err != nil {
		missing(fmt.Sprintf("%s does not load: %v %s", module, err, out))
	}
	return perl
}

// peerAnswers answers by the first port, so each query of a peer test
// has a known answer.
func peerAnswers(e *kernel.Event) any {
	switch e.Args[1].(int) {
	case 23:
		_, _ = e.Kernel.Call(e.Sender, "ident_server_reply", "UNIX", "bob")
	case 24:
		_, _ = e.Kernel.Call(e.Sender, "ident_server_error", "NO-USER")
	case 25:
		_, _ = e.Kernel.Call(e.Sender, "ident_server_reply", "OTHER", "ABCDE12345")
	case 26:
		// no answer: the default after the reply delay
	case 27:
		_, _ = e.Kernel.Call(e.Sender, "ident_server_reply", "UNIX", "mal\r\nlory")
	case 28:
		_, _ = e.Kernel.Call(e.Sender, "ident_server_error", "x-private")
	}
	return nil
}

// Perl's Net::Ident (Debian libnet-ident-perl) against the server.
func TestNetIdentPeer(t *testing.T) {
	perl := perlPeer(t, "Net::Ident", "libnet-ident-perl")
	r := startRig(t, Options{}, peerAnswers)
	_, port := r.srv.Getsockname()
	// Net::Ident asks "remoteport,localport": remote 23 is port1.
	in := "6191 23\n6191 24\n6191 25\n6191 26\n6191 27\n6191 28\n"
	cmd := exec.Command(perl, "testdata/netident.pl", strconv.Itoa(port))
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("netident.pl: %v\n%s", err, out)
	}
	// username returns (user, opsys, error); on ERROR its opsys is
	// "ERROR".
	want := "bob|UNIX|\n" +
		"|ERROR|NO-USER\n" +
		"ABCDE12345|OTHER|\n" +
		"|ERROR|HIDDEN-USER\n" +
		"mallory|UNIX|\n" +
		"|ERROR|X-PRIVATE\n"
	if string(out) != want {
		t.Errorf("Net::Ident says\n%s\nwant\n%s", out, want)
	}
	if reqs := r.Requests(); len(reqs) != 6 || reqs[0] != "127.0.0.1 23 6191" {
		t.Errorf("identd_request = %q, want 6 starting with \"127.0.0.1 23 6191\"", reqs)
	}
}

// POE::Component::Client::Ident (Debian libpoe-component-client-ident-perl)
// against the server, several queries at once.
func TestPoCoClientIdentPeer(t *testing.T) {
	perl := perlPeer(t, "POE::Component::Client::Ident", "libpoe-component-client-ident-perl")
	r := startRig(t, Options{}, peerAnswers)
	_, port := r.srv.Getsockname()
	args := []string{"testdata/pococlient.pl", strconv.Itoa(port)}
	for p := 23; p <= 28; p++ {
		args = append(args, strconv.Itoa(p), "6667")
	}
	out, err := exec.Command(perl, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pococlient.pl: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(got)
	want := []string{
		"23 6667 reply UNIX bob",
		"24 6667 error NO-USER",
		"25 6667 reply OTHER ABCDE12345",
		"26 6667 error HIDDEN-USER",
		"27 6667 reply UNIX mallory",
		"28 6667 error X-PRIVATE",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Client::Ident says\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
