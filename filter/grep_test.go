package filter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestGrep(t *testing.T) {
	isSudo := func(r any) bool { s, _ := r.(string); return strings.Contains(s, "sudo") }
	tests := []struct {
		name    string
		opts    filter.GrepOptions
		in      []any
		want    []string
		put     []any
		wantPut []string
	}{
		{name: "code both ways", opts: filter.GrepOptions{Code: isSudo}, in: []any{"sudo a", "b", "x sudo"}, want: []string{"sudo a", "x sudo"}, put: []any{"b", "sudo c"}, wantPut: []string{"sudo c"}},
		{name: "get and put", opts: filter.GrepOptions{Get: isSudo, Put: func(any) bool { return true }}, in: []any{"a", "sudo"}, want: []string{"sudo"}, put: []any{"a", "b"}, wantPut: []string{"a", "b"}},
		{name: "zero keeps all", in: []any{"a", "b"}, want: []string{"a", "b"}, put: []any{"c"}, wantPut: []string{"c"}},
		{name: "none kept", opts: filter.GrepOptions{Code: func(any) bool { return false }}, in: []any{"a", "b"}, put: []any{"c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := filter.NewGrep(tt.opts)
			g.GetOneStartRecords(tt.in)
			if got := drain(t, g); !equal(got, tt.want) {
				t.Errorf("Grep.GetOne(%q) = %q, want %q", tt.in, got, tt.want)
			}
			chunks, err := g.Put(tt.put)
			if err != nil {
				t.Fatalf("Grep.Put(%q) error %v", tt.put, err)
			}
			var got []string
			for _, c := range chunks {
				got = append(got, string(c))
			}
			if !equal(got, tt.wantPut) {
				t.Errorf("Grep.Put(%q) = %q, want %q", tt.put, got, tt.wantPut)
			}
		})
	}
}

func TestGrepBytesAndPending(t *testing.T) {
	g := filter.NewGrep(filter.GrepOptions{Get: func(r any) bool { return len(r.([]byte)) > 1 }})
	in := [][]byte{[]byte("a"), []byte("bc"), []byte("d"), []byte("ef")}
	g.GetOneStart(in)
	in[1][0] = 'X' // queued records are copies
	recs, err := g.GetOne()
	if err != nil || len(recs) != 1 || show(recs[0]) != "bc" {
		t.Fatalf("Grep.GetOne() = %q, %v; want [bc]", recs, err)
	}
	g.GetOneStartRecords([]any{42})
	if p := g.GetPendingRecords(); len(p) != 3 || show(p[0]) != "d" || p[2] != 42 {
		t.Errorf("Grep.GetPendingRecords() = %q, want [d ef 42]", p)
	}
	g.GetOneStartRecords([]any{"s", 42, []byte("b")})
	if p := g.GetPending(); len(p) != 2 || string(p[0]) != "s" || string(p[1]) != "b" {
		t.Errorf("Grep.GetPending() = %q, want [s b] (non-bytes dropped)", p)
	}
	if _, err := g.Put([]any{42}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Grep.Put(42) error = %v, want ErrRecordType", err)
	}
	g.GetOneStartRecords([]any{"zz"})
	if c := g.Clone(); len(c.GetPending()) != 0 {
		t.Errorf("Grep.Clone() kept the queue")
	}
}

func TestGrepModify(t *testing.T) {
	g := filter.NewGrep(filter.GrepOptions{})
	g.Modify(filter.GrepOptions{Get: func(r any) bool { return r == "keep" }})
	g.GetOneStartRecords([]any{"drop", "keep"})
	if got := drain(t, g); !equal(got, []string{"keep"}) {
		t.Errorf("Grep.GetOne after Modify = %q, want [keep]", got)
	}
	out, _ := g.PutRecords([]any{"drop"})
	if len(out) != 1 {
		t.Errorf("Grep.PutRecords after Modify(Get) = %q, want Put unchanged", out)
	}
}
