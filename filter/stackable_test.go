package filter_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestStackableLineOverBlock(t *testing.T) {
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{filter.NewBlock(), filter.NewLine()}})
	chunks, err := s.Put([]any{"one", "two"})
	if err != nil {
		t.Fatalf("Stackable.Put: %v", err)
	}
	wire := bytes.Join(chunks, nil)
	if want := "5\x00one\r\n5\x00two\r\n"; string(wire) != want {
		t.Fatalf("Stackable{Block, Line}.Put(one, two) = %q, want %q", wire, want)
	}
	// Lines that span blocks, and blocks that hold several lines.
	more, _ := filter.NewBlock().Put([]any{"thr", "ee\nfour\nfi", "ve\n"})
	wire = append(wire, bytes.Join(more, nil)...)
	for how, c := range cuts(wire) {
		t.Run(how, func(t *testing.T) {
			got := feed(t, s.Clone(), c)
			if want := []string{"one", "two", "three", "four", "five"}; !equal(got, want) {
				t.Errorf("Stackable{Block, Line}.GetOne = %q, want %q", got, want)
			}
		})
	}
}

// TestStackableLazy shows GetOne feeds upper filters only as needed, so
// undecoded blocks stay in the bottom filter for GetPending.
func TestStackableLazy(t *testing.T) {
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{filter.NewBlock(), filter.NewLine()}})
	s.GetOneStart([][]byte{[]byte("2\x00a\n2\x00b\n2\x00c\n")})
	recs, err := s.GetOne()
	if err != nil || len(recs) != 1 || recs[0] != "a" {
		t.Fatalf("Stackable.GetOne() = %q, %v; want [a]", recs, err)
	}
	if p := pending(s); p != "2\x00b\n2\x00c\n" {
		t.Errorf("Stackable.GetPending() after one line = %q, want the two undecoded blocks", p)
	}
}

func TestStackableLineGrep(t *testing.T) {
	// POE::Filter::Stackable's SYNOPSIS.
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{
		filter.NewLine(),
		filter.NewGrep(filter.GrepOptions{
			Put: func(any) bool { return true },
			Get: func(r any) bool { return strings.Contains(r.(string), "sudo[") },
		}),
	}})
	in := "Jan 1 host sshd[1]: x\nJan 1 host sudo[22]: root\nJan 2 host cron[3]: y\nJan 2 host sudo[23]: bob\n"
	for how, c := range cuts([]byte(in)) {
		t.Run(how, func(t *testing.T) {
			got := feed(t, s.Clone(), c)
			want := []string{"Jan 1 host sudo[22]: root", "Jan 2 host sudo[23]: bob"}
			if !equal(got, want) {
				t.Errorf("Stackable{Line, Grep}.GetOne = %q, want %q", got, want)
			}
		})
	}
	out, err := s.Put([]any{"x"})
	if err != nil || len(out) != 1 || string(out[0]) != "x\r\n" {
		t.Errorf("Stackable{Line, Grep}.Put(x) = %q, %v; want [x\\r\\n]", out, err)
	}
}

func TestStackableRecordTypesPass(t *testing.T) {
	type cmd struct{ Verb, Arg string }
	parse := filter.NewMap(filter.MapOptions{
		Get: func(r any) any { v, a, _ := strings.Cut(r.(string), " "); return cmd{v, a} },
		Put: func(r any) any { c := r.(cmd); return c.Verb + " " + c.Arg },
	})
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{
		filter.NewLine(), parse, filter.NewRecordBlock(filter.RecordBlockOptions{BlockSize: 2}),
	}})
	s.GetOneStart([][]byte{[]byte("GET a\nPUT b\nDEL c\n")})
	recs, err := s.GetOne()
	if err != nil || len(recs) != 1 {
		t.Fatalf("Stackable.GetOne() = %v, %v", recs, err)
	}
	if got := fmt.Sprint(recs[0]); got != "[{GET a} {PUT b}]" {
		t.Errorf("Stackable{Line, Map, RecordBlock}.GetOne = %s, want [{GET a} {PUT b}]", got)
	}
	if recs, _ := s.GetOne(); len(recs) != 0 {
		t.Errorf("Stackable.GetOne() with half a block = %v, want nothing", recs)
	}
	out, err := s.Put([]any{[]any{cmd{"OK", "1"}, cmd{"OK", "2"}}})
	if err != nil {
		t.Fatalf("Stackable.Put: %v", err)
	}
	if got := string(bytes.Join(out, nil)); got != "OK 1\r\nOK 2\r\n" {
		t.Errorf("Stackable{Line, Map, RecordBlock}.Put = %q, want %q", got, "OK 1\r\nOK 2\r\n")
	}
}

func TestStackableRecordTypeError(t *testing.T) {
	// Reference decodes an int, which Line cannot take as bytes.
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{filter.NewReference(), filter.NewLine()}})
	chunks, _ := filter.NewReference().Put([]any{7})
	s.GetOneStart(chunks)
	if _, err := s.GetOne(); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Stackable{Reference, Line}.GetOne of an int error = %v, want ErrRecordType", err)
	}
}

func TestStackableHTTPDOnTop(t *testing.T) {
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{filter.NewBlock(), filter.NewHTTPD()}})
	req := "POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
	wire, _ := filter.NewBlock().Put([]any{req[:10], req[10:]})
	s.GetOneStart(wire)
	if recs, err := s.GetOne(); err != nil || len(recs) != 0 {
		t.Fatalf("Stackable{Block, HTTPD}.GetOne() before the body = %v, %v; want nothing", recs, err)
	}
	// HTTPD's interim response goes out through Block.
	if got, want := string(bytes.Join(s.TakeOutput(), nil)), "25\x00HTTP/1.1 100 Continue\r\n\r\n"; got != want {
		t.Errorf("Stackable.TakeOutput() = %q, want %q", got, want)
	}
	body, _ := filter.NewBlock().Put([]any{"abcGET /b HTTP/1.1\r\n\r\n"})
	s.GetOneStart(body)
	got := drain(t, s)
	if want := []string{`POST /a HTTP/1.1 body="abc"`, `GET /b HTTP/1.1 body=""`}; !equal(got, want) {
		t.Errorf("Stackable{Block, HTTPD}.GetOne = %q, want %q", got, want)
	}
	out, err := s.Put([]any{&http.Response{StatusCode: 204}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(bytes.Join(out, nil)), "27\x00HTTP/1.1 204 No Content\r\n\r\n"; got != want {
		t.Errorf("Stackable{Block, HTTPD}.Put(204) = %q, want %q", got, want)
	}
}

// sender is a test filter that passes bytes through, sends a greeting
// on its first GetOne, and records Close.
type sender struct {
	filter.Stream
	name   string
	out    [][]byte
	greet  bool
	closed *[]string
	err    error
}

func (f *sender) GetOne() ([]any, error) {
	if !f.greet {
		f.greet = true
		f.out = append(f.out, []byte("hi from "+f.name))
	}
	return f.Stream.GetOne()
}
func (f *sender) TakeOutput() [][]byte { o := f.out; f.out = nil; return o }
func (f *sender) Close() error         { *f.closed = append(*f.closed, f.name); return f.err }
func (f *sender) Clone() filter.Filter { return &sender{name: f.name, closed: f.closed} }

func TestStackableSenderAndCloser(t *testing.T) {
	var closed []string
	bottom := &sender{name: "bottom", closed: &closed}
	top := &sender{name: "top", closed: &closed, err: errors.New("top failed")}
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{bottom, filter.NewBlock(), top}})
	s.GetOneStart([][]byte{[]byte("1\x00x")})
	if got := drain(t, s); !equal(got, []string{"x"}) {
		t.Fatalf("Stackable.GetOne = %q, want [x]", got)
	}
	// The bottom's output goes as is; the top's through Block, then the
	// bottom filter's Put.
	got := s.TakeOutput()
	want := []string{"hi from bottom", "11\x00hi from top"}
	if len(got) != 2 || string(got[0]) != want[0] || string(got[1]) != want[1] {
		t.Errorf("Stackable.TakeOutput() = %q, want %q", got, want)
	}
	if again := s.TakeOutput(); again != nil {
		t.Errorf("second Stackable.TakeOutput() = %q, want nil", again)
	}
	err := s.Close()
	if err == nil || !strings.Contains(err.Error(), "top failed") {
		t.Errorf("Stackable.Close() = %v, want the top filter's error", err)
	}
	if !equal(closed, []string{"top", "bottom"}) {
		t.Errorf("closed %q, want [top bottom]", closed)
	}
}

func TestStackableOutputErrorDeferred(t *testing.T) {
	var closed []string
	// The sender's greeting is too long for the Block below it.
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{
		filter.NewBlock(filter.BlockOptions{MaxLength: 3}), &sender{name: "x", closed: &closed},
	}})
	s.GetOneStart([][]byte{[]byte("1\x00a")})
	drain(t, s)
	if out := s.TakeOutput(); out != nil {
		t.Errorf("Stackable.TakeOutput() = %q, want nil after a failed Put", out)
	}
	if _, err := s.GetOne(); !errors.Is(err, filter.ErrTooLong) {
		t.Errorf("Stackable.GetOne() after a failed output error = %v, want ErrTooLong", err)
	}
	if _, err := s.GetOne(); err != nil {
		t.Errorf("Stackable.GetOne() reported the output error twice: %v", err)
	}
}

func TestStackableStackOps(t *testing.T) {
	s := filter.NewStackable()
	// Empty: a Stream.
	s.GetOneStart([][]byte{[]byte("raw")})
	if got := drain(t, s); !equal(got, []string{"raw"}) {
		t.Errorf("empty Stackable.GetOne = %q, want [raw]", got)
	}
	if out, _ := s.Put([]any{"p"}); len(out) != 1 || string(out[0]) != "p" {
		t.Errorf("empty Stackable.Put(p) = %q, want [p]", out)
	}
	if s.Pop() != nil || s.Shift() != nil {
		t.Errorf("Pop or Shift of an empty stack returned a filter")
	}
	// What the empty stack buffered goes to the first filter pushed.
	s.GetOneStart([][]byte{[]byte("a\nb")})
	line := filter.NewLine()
	s.Push(line)
	if got := drain(t, s); !equal(got, []string{"a"}) {
		t.Errorf("Stackable.GetOne after Push = %q, want [a]", got)
	}
	block := filter.NewBlock()
	s.Unshift(block)
	grep := filter.NewGrep(filter.GrepOptions{})
	s.Push(grep)
	if fs := s.Filters(); len(fs) != 3 || fs[0] != block || fs[1] != line || fs[2] != grep {
		t.Fatalf("Stackable.Filters() = %v, want [Block Line Grep]", fs)
	}
	s.Filters()[0] = nil // a copy
	if s.Pop() != grep {
		t.Errorf("Pop did not return the top filter")
	}
	// Shift hands the bottom's pending input to the new bottom.
	s.GetOneStart([][]byte{[]byte("xyz\n")})
	if s.Shift() != block {
		t.Errorf("Shift did not return the bottom filter")
	}
	if got := drain(t, s); !equal(got, []string{"bxyz"}) {
		t.Errorf("Stackable.GetOne after Shift = %q, want [bxyz]", got)
	}
	if p := block.GetPending(); p != nil {
		t.Errorf("shifted Block still holds %q", p)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Push(nil) did not panic")
		}
	}()
	s.Push(nil)
}

func TestStackableShiftRecords(t *testing.T) {
	g := filter.NewGrep(filter.GrepOptions{})
	m := filter.NewMap(filter.MapOptions{})
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{g, m}})
	s.GetOneStartRecords([]any{1, 2})
	s.Shift()
	got := drain(t, s)
	if !equal(got, []string{"1", "2"}) {
		t.Errorf("records after Shift between record filters = %q, want [1 2]", got)
	}
}

func FuzzStackable(f *testing.F) {
	f.Add([]byte("a\nbb\r\nccc"), []byte{1, 2, 3})
	f.Add([]byte("3\x00abc"), []byte{4})
	f.Add([]byte("\x00\x00\r"), []byte{1})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		mk := func() *filter.Stackable {
			return filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{
				filter.NewBlock(filter.BlockOptions{MaxLength: 64}), filter.NewLine(filter.LineOptions{MaxLength: 32}),
			}})
		}
		// Arbitrary input: chunk-independent records, bounded buffers.
		whole := feed(t, mk(), [][]byte{data})
		cut := mk()
		if got := feed(t, cut, chunksOf(data, sizes)); !equal(got, whole) {
			t.Fatalf("Stackable records cut %v = %q, whole = %q", sizes, got, whole)
		}
		if p := pending(cut); len(p) > 64+32 {
			t.Fatalf("Stackable kept %d bytes pending", len(p))
		}
		// Round trip.
		var lines []any
		var want []string
		for _, l := range bytes.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' }) {
			if len(l) <= 32 {
				lines = append(lines, l)
				want = append(want, string(l))
			}
		}
		s := mk()
		chunks, err := s.Put(lines)
		if err != nil {
			t.Fatal(err)
		}
		if got := feed(t, mk(), chunksOf(bytes.Join(chunks, nil), sizes)); !equal(got, want) {
			t.Fatalf("Stackable round trip of %q = %q", want, got)
		}
	})
}

func BenchmarkStackableLineOverBlock(b *testing.B) {
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{filter.NewBlock(), filter.NewLine()}})
	lines := make([]any, 50)
	for i := range lines {
		lines[i] = strings.Repeat("y", 78)
	}
	chunks, _ := s.Put(lines)
	wire := bytes.Join(chunks, nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		s.GetOneStart([][]byte{wire})
		for {
			recs, err := s.GetOne()
			if err != nil {
				b.Fatal(err)
			}
			if len(recs) == 0 {
				break
			}
		}
	}
}
