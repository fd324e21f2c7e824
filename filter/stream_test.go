package filter_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestStream(t *testing.T) {
	f := filter.NewStream()
	if recs, err := f.GetOne(); len(recs) != 0 || err != nil {
		t.Fatalf("Stream.GetOne() on nothing = %v, %v; want nothing", recs, err)
	}
	in := [][]byte{[]byte("ab"), []byte(""), []byte("c\x00")}
	f.GetOneStart(in)
	in[0][0] = 'X' // the filter copied its input
	if got := drain(t, f); !equal(got, []string{"abc\x00"}) {
		t.Errorf("Stream.GetOne(ab, c\\0) = %q, want [\"abc\\x00\"]", got)
	}
	f.GetOneStart([][]byte{[]byte("rest")})
	if p := pending(f); p != "rest" {
		t.Errorf("Stream.GetPending() = %q, want %q", p, "rest")
	}
	if p := f.GetPending(); p != nil {
		t.Errorf("second Stream.GetPending() = %q, want nil", p)
	}
	rec := []byte("x")
	chunks, err := f.Put([]any{rec, "y"})
	if err != nil {
		t.Fatal(err)
	}
	rec[0] = 'Z'
	if got := bytes.Join(chunks, []byte("|")); string(got) != "x|y" {
		t.Errorf("Stream.Put(x, y) = %q, want %q", got, "x|y")
	}
	if _, err := f.Put([]any{3}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Stream.Put(3) error = %v, want ErrRecordType", err)
	}
	f.GetOneStart([][]byte{[]byte("q")})
	if c := f.Clone(); pending(c) != "" {
		t.Errorf("Stream.Clone() kept the buffer")
	}
}

func BenchmarkStreamPut(b *testing.B) {
	recs := []any{bytes.Repeat([]byte("x"), 4096)}
	f := filter.NewStream()
	b.ReportAllocs()
	b.SetBytes(4096)
	for b.Loop() {
		if _, err := f.Put(recs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStreamGetOne(b *testing.B) {
	chunk := bytes.Repeat([]byte("x"), 4096)
	f := filter.NewStream()
	b.ReportAllocs()
	b.SetBytes(4096)
	for b.Loop() {
		f.GetOneStart([][]byte{chunk})
		if _, err := f.GetOne(); err != nil {
			b.Fatal(err)
		}
	}
}
