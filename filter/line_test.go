package filter_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestLineGetOne(t *testing.T) {
	tests := []struct {
		name    string
		opts    filter.LineOptions
		in      string
		want    []string
		pending string
		// whole: the terminators are greedy regexps whose match depends
		// on where the input was cut (in POE too), so feed it whole only.
		whole bool
	}{
		{name: "lf", in: "a\nb\n", want: []string{"a", "b"}},
		{name: "crlf", in: "a\r\nb\r\n", want: []string{"a", "b"}},
		{name: "lfcr", in: "a\n\rb\n\r", want: []string{"a", "b"}},
		{name: "cr", in: "a\rb\r", want: []string{"a", "b"}},
		{name: "crlf crlf is an empty line", in: "a\r\n\r\nb\n", want: []string{"a", "", "b"}},
		{name: "cr cr", in: "a\r\rb\n", want: []string{"a", "", "b"}},
		{name: "lf lfcr", in: "a\n\n\rb\n", want: []string{"a", "", "b"}},
		{name: "crlf lfcr", in: "a\r\n\n\rb\n", want: []string{"a", "", "b"}},
		{name: "crlf cr", in: "a\r\n\rb", want: []string{"a", ""}, pending: "b"},
		{name: "empty lines", in: "\n\n\n", want: []string{"", "", ""}},
		{name: "no terminator", in: "abc", pending: "abc"},
		{name: "partial line kept", in: "one\ntw", want: []string{"one"}, pending: "tw"},
		{name: "trailing cr ends the line", in: "x\r", want: []string{"x"}},
		{name: "binary bytes", in: "\x00\xff\x80\n", want: []string{"\x00\xff\x80"}},
		{name: "literal nul", opts: filter.LineOptions{Literal: "\x00"}, in: "a\x00b\nc\x00d", want: []string{"a", "b\nc"}, pending: "d"},
		{name: "literal multibyte", opts: filter.LineOptions{Literal: "END"}, in: "aENDbENDcEN", want: []string{"a", "b"}, pending: "cEN"},
		{name: "literal overlapping", opts: filter.LineOptions{InputLiteral: "aab"}, in: "xaaab-", want: []string{"xa"}, pending: "-"},
		{name: "input literal crlf ignores lf", opts: filter.LineOptions{InputLiteral: "\r\n"}, in: "a\nb\r\nc\r", want: []string{"a\nb"}, pending: "c\r"},
		{name: "regexp paragraphs", opts: filter.LineOptions{InputRegexp: regexp.MustCompile(`[\r\n]{2,}`)}, in: "a\nb\n\nc\n\n\nd", want: []string{"a\nb", "c"}, pending: "d", whole: true},
		{name: "regexp fixed", opts: filter.LineOptions{InputRegexp: regexp.MustCompile(`;;|::`)}, in: "a;;b::c;", want: []string{"a", "b"}, pending: "c;"},
		{name: "regexp empty matches ignored", opts: filter.LineOptions{InputRegexp: regexp.MustCompile(`x*`)}, in: "abxxc", want: []string{"ab"}, pending: "c", whole: true},
		{name: "autodetect crlf", opts: filter.LineOptions{Autodetect: true}, in: "a\r\nb\nc\r\n", want: []string{"a", "b\nc"}},
		{name: "autodetect lf", opts: filter.LineOptions{Autodetect: true}, in: "a\nb\rc\n\r", want: []string{"a", "b\rc", "\r"}[:2], pending: "\r"},
		{name: "autodetect cr", opts: filter.LineOptions{Autodetect: true}, in: "a\rb\nc\r", want: []string{"a", "b\nc"}},
		{name: "autodetect lfcr", opts: filter.LineOptions{Autodetect: true}, in: "a\n\rb\nc\n\r", want: []string{"a", "b\nc"}},
		{name: "max length exact", opts: filter.LineOptions{MaxLength: 3}, in: "abc\nd\n", want: []string{"abc", "d"}},
		{name: "max length exceeded resyncs", opts: filter.LineOptions{MaxLength: 3}, in: "abcdefg\nxy\n", want: []string{"!toolong", "xy"}},
		{name: "max length crlf split", opts: filter.LineOptions{MaxLength: 3}, in: "abcdef\r\nxy\r\n", want: []string{"!toolong", "xy"}},
		{name: "max length literal", opts: filter.LineOptions{InputLiteral: "\r\n", MaxLength: 3}, in: "abc\r\nabcdefgh\r\nok\r\n", want: []string{"abc", "!toolong", "ok"}},
		{name: "max length autodetect", opts: filter.LineOptions{Autodetect: true, MaxLength: 2}, in: "ab\r\nabc\r\nz\r\n", want: []string{"ab", "!toolong", "z"}},
	}
	for _, tt := range tests {
		for how, chunks := range cuts([]byte(tt.in)) {
			if tt.whole && how != "whole" {
				continue
			}
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				f := filter.NewLine(tt.opts)
				got := feed(t, f, chunks)
				if !equal(got, tt.want) {
					t.Errorf("Line.GetOne(%q) = %q, want %q", tt.in, got, tt.want)
				}
				if p := pending(f); p != tt.pending {
					t.Errorf("Line.GetPending() after %q = %q, want %q", tt.in, p, tt.pending)
				}
				if p := f.GetPending(); p != nil {
					t.Errorf("second Line.GetPending() = %q, want nil", p)
				}
			})
		}
	}
}

// TestLineLoneCRAtChunkEnd pins the one place Line differs from POE's
// default: a CR LF cut between its two bytes yields one line, not a line and
// an empty line.
func TestLineLoneCRAtChunkEnd(t *testing.T) {
	f := filter.NewLine()
	f.GetOneStart([][]byte{[]byte("a\r")})
	if got := drain(t, f); !equal(got, []string{"a"}) {
		t.Fatalf("Line.GetOne(\"a\\r\") = %q, want [a]", got)
	}
	f.GetOneStart([][]byte{[]byte("\nb\r"), []byte("\rc\n")})
	if got, want := drain(t, f), []string{"b", "", "c"}; !equal(got, want) {
		t.Fatalf("Line.GetOne after \"\\nb\\r\\rc\\n\" = %q, want %q", got, want)
	}
}

func TestLineMaxLengthBoundsBuffer(t *testing.T) {
	f := filter.NewLine(filter.LineOptions{MaxLength: 100})
	chunk := bytes.Repeat([]byte("x"), 64)
	var errs int
	for range 1000 {
		f.GetOneStart([][]byte{chunk})
		for {
			recs, err := f.GetOne()
			if err != nil {
				if !errors.Is(err, filter.ErrTooLong) {
					t.Fatalf("Line.GetOne error = %v, want ErrTooLong", err)
				}
				errs++
				continue
			}
			if len(recs) == 0 {
				break
			}
			t.Fatalf("Line.GetOne = %q from an endless line, want nothing", recs)
		}
	}
	if errs != 1 {
		t.Errorf("errors for one endless line = %d, want 1", errs)
	}
	if p := pending(f); len(p) > 100 {
		t.Errorf("Line buffered %d bytes of an endless line, want at most MaxLength 100", len(p))
	}
	f.GetOneStart([][]byte{[]byte("tail\nnext\n")})
	if got, want := drain(t, f), []string{"next"}; !equal(got, want) {
		t.Errorf("Line.GetOne after the endless line ends = %q, want %q", got, want)
	}
}

func TestLinePut(t *testing.T) {
	tests := []struct {
		name string
		opts filter.LineOptions
		in   []any
		want []string
	}{
		{name: "default crlf", in: []any{"a", []byte("b"), ""}, want: []string{"a\r\n", "b\r\n", "\r\n"}},
		{name: "output literal", opts: filter.LineOptions{OutputLiteral: "\n"}, in: []any{"a"}, want: []string{"a\n"}},
		{name: "literal", opts: filter.LineOptions{Literal: "\x00"}, in: []any{"a"}, want: []string{"a\x00"}},
		{name: "none", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks, err := filter.NewLine(tt.opts).Put(tt.in)
			if err != nil {
				t.Fatalf("Line.Put(%q) error %v", tt.in, err)
			}
			var got []string
			for _, c := range chunks {
				got = append(got, string(c))
			}
			if !equal(got, tt.want) {
				t.Errorf("Line.Put(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, err := filter.NewLine().Put([]any{"ok", 42}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Line.Put(42) error = %v, want ErrRecordType", err)
	}
}

func TestLinePutCopies(t *testing.T) {
	rec := []byte("abc")
	chunks, err := filter.NewLine().Put([]any{rec})
	if err != nil {
		t.Fatal(err)
	}
	rec[0] = 'X'
	if got := string(chunks[0]); got != "abc\r\n" {
		t.Errorf("Line.Put chunk after the caller changed its record = %q, want %q", got, "abc\r\n")
	}
}

func TestLineOptionConflictsPanic(t *testing.T) {
	re := regexp.MustCompile(`\n`)
	for name, o := range map[string]filter.LineOptions{
		"literal and input literal": {Literal: "a", InputLiteral: "b"},
		"literal and regexp":        {Literal: "a", InputRegexp: re},
		"input literal and regexp":  {InputLiteral: "a", InputRegexp: re},
		"autodetect and literal":    {Autodetect: true, InputLiteral: "a"},
		"negative max":              {MaxLength: -1},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLine(%+v) did not panic", o)
				}
			}()
			filter.NewLine(o)
		})
	}
}

func TestLineCloneResetsAutodetect(t *testing.T) {
	f := filter.NewLine(filter.LineOptions{Autodetect: true})
	f.GetOneStart([][]byte{[]byte("a\r\nb")})
	drain(t, f)
	c := f.Clone()
	c.GetOneStart([][]byte{[]byte("x\ny\n")})
	if got, want := drain(t, c), []string{"x", "y"}; !equal(got, want) {
		t.Errorf("clone GetOne = %q, want %q (newline detected afresh)", got, want)
	}
	if p := pending(c); p != "" {
		t.Errorf("clone GetPending = %q, want empty", p)
	}
	if p := pending(f); p != "b" {
		t.Errorf("original GetPending = %q, want %q", p, "b")
	}
}

// TestLineSwitchMidStream switches from Line to Block between two records,
// as a wheel does, handing over GetPending. The lines end in LF: a CR LF
// cut after its CR would leave the LF for the next filter (see Line).
func TestLineSwitchMidStream(t *testing.T) {
	block := []byte("5\x00hello3\x00abc")
	input := append([]byte("HELO x\r\nSTARTBLOCKS\n"), block...)
	for how, chunks := range cuts(input) {
		t.Run(how, func(t *testing.T) {
			var cur filter.Filter = filter.NewLine()
			var got []string
			for _, c := range chunks {
				cur.GetOneStart([][]byte{c})
				for range maxGetOne {
					recs, err := cur.GetOne()
					if err != nil {
						t.Fatalf("GetOne: %v", err)
					}
					if len(recs) == 0 {
						break
					}
					got = append(got, show(recs[0]))
					if recs[0] == "STARTBLOCKS" {
						next := filter.NewBlock()
						next.GetOneStart(cur.GetPending())
						cur = next
					}
				}
			}
			want := []string{"HELO x", "STARTBLOCKS", "hello", "abc"}
			if !equal(got, want) {
				t.Errorf("records across the switch = %q, want %q", got, want)
			}
		})
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"a\nb\r\nc\n\rd\re", "\r\n\r\n", "x\r", "", strings.Repeat("y", 40) + "\n"} {
		f.Add([]byte(s), []byte{1, 3, 7}, uint8(0))
	}
	f.Add([]byte("a\x00b\x00"), []byte{2}, uint8(1))
	f.Add([]byte("a\r\nb\nc"), []byte{1}, uint8(2))
	f.Fuzz(func(t *testing.T, data, sizes []byte, mode uint8) {
		var opts filter.LineOptions
		switch mode % 3 {
		case 1:
			opts.Literal = "\x00"
		case 2:
			opts.Autodetect = true
		}
		opts.MaxLength = 32
		whole := feed(t, filter.NewLine(opts), [][]byte{data})
		cut := filter.NewLine(opts)
		got := feed(t, cut, chunksOf(data, sizes))
		// The records do not depend on where the input was cut.
		if !equal(got, whole) {
			t.Fatalf("Line records cut %v = %q, whole = %q", sizes, got, whole)
		}
		if p := pending(cut); len(p) > opts.MaxLength+64 {
			t.Fatalf("Line kept %d bytes pending, limit %d", len(p), opts.MaxLength)
		}

		// Round trip: lines without terminator bytes come back as put.
		var lines []any
		for _, l := range bytes.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' || r == 0 }) {
			if len(l) <= opts.MaxLength {
				lines = append(lines, string(l))
			}
		}
		rt := filter.NewLine(opts)
		chunks, err := rt.Put(lines)
		if err != nil {
			t.Fatal(err)
		}
		// AppendPut is Put onto a given slice.
		appended, err := rt.AppendPut([][]byte{nil}, lines)
		if err != nil || len(appended) != 1+len(chunks) || !bytes.Equal(bytes.Join(appended, nil), bytes.Join(chunks, nil)) {
			t.Fatalf("Line.AppendPut(%q) = %q, %v; want the chunks of Put after the nil", lines, appended, err)
		}
		back := feed(t, filter.NewLine(opts), chunksOf(bytes.Join(chunks, nil), sizes))
		if len(back) != len(lines) {
			t.Fatalf("Line round trip of %q = %q", lines, back)
		}
		for i := range back {
			if back[i] != lines[i] {
				t.Fatalf("Line round trip of %q = %q", lines, back)
			}
		}
	})
}

func BenchmarkLineGetOne(b *testing.B) {
	line := strings.Repeat("x", 78) + "\r\n"
	chunk := []byte(strings.Repeat(line, 100))
	f := filter.NewLine()
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		f.GetOneStart([][]byte{chunk})
		for {
			recs, err := f.GetOne()
			if err != nil {
				b.Fatal(err)
			}
			if len(recs) == 0 {
				break
			}
		}
	}
}

func BenchmarkLinePut(b *testing.B) {
	recs := make([]any, 100)
	for i := range recs {
		recs[i] = strings.Repeat("x", 78)
	}
	f := filter.NewLine()
	b.ReportAllocs()
	b.SetBytes(100 * 80)
	for b.Loop() {
		if _, err := f.Put(recs); err != nil {
			b.Fatal(err)
		}
	}
}
