package filter_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestBlockGetOne(t *testing.T) {
	tests := []struct {
		name    string
		opts    filter.BlockOptions
		in      string
		want    []string
		pending string
	}{
		{name: "fixed", opts: filter.BlockOptions{BlockSize: 8}, in: "abcdefghijklmnopqrstuvwxyz", want: []string{"abcdefgh", "ijklmnop", "qrstuvwx"}, pending: "yz"},
		{name: "fixed one", opts: filter.BlockOptions{BlockSize: 1}, in: "ab", want: []string{"a", "b"}},
		{name: "length", in: "5\x00hello0\x003\x00a\x00b", want: []string{"hello", "", "a\x00b"}},
		{name: "length partial keeps header", in: "5\x00hello4\x00ab", want: []string{"hello"}, pending: "4\x00ab"},
		{name: "length partial header", in: "12", pending: "12"},
		{name: "strange bytes dropped", in: "xx5\x00hello", want: []string{"!malformed", "hello"}},
		{name: "header without nul", in: "12x3\x00abc", want: []string{"!malformed", "abc"}},
		{name: "too long skipped", opts: filter.BlockOptions{MaxLength: 4}, in: "6\x00abcdef2\x00ok", want: []string{"!toolong", "ok"}},
		{name: "max length exact", opts: filter.BlockOptions{MaxLength: 4}, in: "4\x00abcd", want: []string{"abcd"}},
		{name: "too many digits drops the rest", in: "1234567890123456789\x003\x00abc", want: []string{"!toolong"}},
	}
	for _, tt := range tests {
		for how, chunks := range cuts([]byte(tt.in)) {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				f := filter.NewBlock(tt.opts)
				got := feed(t, f, chunks)
				if !equal(got, tt.want) {
					t.Errorf("Block.GetOne(%q) = %q, want %q", tt.in, got, tt.want)
				}
				if p := pending(f); p != tt.pending {
					t.Errorf("Block.GetPending() after %q = %q, want %q", tt.in, p, tt.pending)
				}
			})
		}
	}
}

func TestBlockPut(t *testing.T) {
	tests := []struct {
		name string
		opts filter.BlockOptions
		in   []any
		want []string
	}{
		{name: "length", in: []any{"hello", []byte(""), []byte("a\x00")}, want: []string{"5\x00hello", "0\x00", "2\x00a\x00"}},
		{name: "fixed joins", opts: filter.BlockOptions{BlockSize: 2}, in: []any{"ab", []byte("cd")}, want: []string{"abcd"}},
		{name: "fixed nothing", opts: filter.BlockOptions{BlockSize: 2}, in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks, err := filter.NewBlock(tt.opts).Put(tt.in)
			if err != nil {
				t.Fatalf("Block.Put(%q) error %v", tt.in, err)
			}
			var got []string
			for _, c := range chunks {
				got = append(got, string(c))
			}
			if !equal(got, tt.want) {
				t.Errorf("Block.Put(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, err := filter.NewBlock(filter.BlockOptions{MaxLength: 3}).Put([]any{"abcd"}); !errors.Is(err, filter.ErrTooLong) {
		t.Errorf("Block.Put over MaxLength error = %v, want ErrTooLong", err)
	}
	if _, err := filter.NewBlock().Put([]any{1.5}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Block.Put(1.5) error = %v, want ErrRecordType", err)
	}
}

// be32 is a LengthCodec with a 4-byte big-endian length.
var be32 = filter.LengthCodec{
	Encode: func(dst []byte, n int) []byte { return binary.BigEndian.AppendUint32(dst, uint32(n)) },
	Decode: func(buf []byte) (int, int, error) {
		if len(buf) < 4 {
			return 0, 0, nil
		}
		return int(binary.BigEndian.Uint32(buf)), 4, nil
	},
}

func TestBlockLengthCodec(t *testing.T) {
	f := filter.NewBlock(filter.BlockOptions{LengthCodec: &be32, MaxLength: 100})
	chunks, err := f.Put([]any{"one", "", strings.Repeat("z", 100)})
	if err != nil {
		t.Fatal(err)
	}
	wire := bytes.Join(chunks, nil)
	if !bytes.HasPrefix(wire, []byte{0, 0, 0, 3, 'o', 'n', 'e', 0, 0, 0, 0}) {
		t.Fatalf("Block.Put with a big-endian codec = %q", wire[:12])
	}
	for how, c := range cuts(wire) {
		got := feed(t, f.Clone(), c)
		if want := []string{"one", "", strings.Repeat("z", 100)}; !equal(got, want) {
			t.Errorf("%s: Block.GetOne with a big-endian codec = %q, want %q", how, got, want)
		}
	}
	bad := filter.LengthCodec{Encode: be32.Encode, Decode: func([]byte) (int, int, error) { return 0, 1, errors.New("nope") }}
	g := filter.NewBlock(filter.BlockOptions{LengthCodec: &bad})
	g.GetOneStart([][]byte{[]byte("ab")})
	if _, err := g.GetOne(); !errors.Is(err, filter.ErrMalformed) {
		t.Errorf("Block.GetOne with a failing decoder error = %v, want ErrMalformed", err)
	}
	if p := pending(g); p != "b" {
		t.Errorf("Block.GetPending after a decoder error dropped 1 byte = %q, want %q", p, "b")
	}
}

func TestBlockNoHeaderBounded(t *testing.T) {
	wait := filter.LengthCodec{Encode: be32.Encode, Decode: func([]byte) (int, int, error) { return 0, 0, nil }}
	f := filter.NewBlock(filter.BlockOptions{LengthCodec: &wait, MaxLength: 10})
	f.GetOneStart([][]byte{bytes.Repeat([]byte("a"), 11)})
	if _, err := f.GetOne(); !errors.Is(err, filter.ErrTooLong) {
		t.Errorf("Block.GetOne with 11 bytes and no header error = %v, want ErrTooLong", err)
	}
	if p := f.GetPending(); p != nil {
		t.Errorf("Block.GetPending after the overflow = %q, want nil", p)
	}
}

func TestBlockOptionConflictsPanic(t *testing.T) {
	for name, o := range map[string]filter.BlockOptions{
		"size and codec":  {BlockSize: 2, LengthCodec: &be32},
		"size and max":    {BlockSize: 2, MaxLength: 5},
		"negative size":   {BlockSize: -1},
		"half a codec":    {LengthCodec: &filter.LengthCodec{Encode: be32.Encode}},
		"negative length": {MaxLength: -1},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewBlock(%+v) did not panic", o)
				}
			}()
			filter.NewBlock(o)
		})
	}
}

func FuzzBlock(f *testing.F) {
	f.Add([]byte("5\x00hello3\x00abc"), []byte{1, 2}, uint8(0))
	f.Add([]byte("xx12\x00"), []byte{3}, uint8(0))
	f.Add([]byte("abcdefgh"), []byte{5}, uint8(3))
	f.Add([]byte("99999999999999999999\x00"), []byte{7}, uint8(0))
	f.Fuzz(func(t *testing.T, data, sizes []byte, size uint8) {
		opts := filter.BlockOptions{MaxLength: 64}
		if size%4 != 0 {
			opts = filter.BlockOptions{BlockSize: int(size % 16)}
		}
		whole := feed(t, filter.NewBlock(opts), [][]byte{data})
		cut := filter.NewBlock(opts)
		got := feed(t, cut, chunksOf(data, sizes))
		if !equal(got, whole) {
			t.Fatalf("Block records cut %v = %q, whole = %q", sizes, got, whole)
		}
		if p := pending(cut); len(p) > 64+20 {
			t.Fatalf("Block kept %d bytes pending", len(p))
		}
		// Round trip: the records put come back.
		var recs []any
		var want []string
		for _, r := range bytes.Split(data, []byte{'|'}) {
			if opts.BlockSize > 0 {
				r = append(r, bytes.Repeat([]byte{'.'}, opts.BlockSize)...)[:opts.BlockSize]
			}
			if len(r) <= 64 {
				recs = append(recs, r)
				want = append(want, string(r))
			}
		}
		chunks, err := filter.NewBlock(opts).Put(recs)
		if err != nil {
			t.Fatal(err)
		}
		back := feed(t, filter.NewBlock(opts), chunksOf(bytes.Join(chunks, nil), sizes))
		if !equal(back, want) {
			t.Fatalf("Block round trip of %q = %q", want, back)
		}
	})
}

func BenchmarkBlockGetOne(b *testing.B) {
	f := filter.NewBlock()
	chunks, _ := f.Put([]any{bytes.Repeat([]byte("x"), 1000)})
	chunk := bytes.Repeat(chunks[0], 10)
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
