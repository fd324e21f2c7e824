package filter_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

type refPoint struct {
	X, Y int
	Tags []string
}

func init() {
	gob.Register(refPoint{})
	gob.Register(map[string]int{})
}

func TestReferenceRoundTrip(t *testing.T) {
	values := []any{
		"hello", 42, 3.5, []byte{0, 1, 2}, map[string]int{"a": 1},
		refPoint{X: 1, Y: -2, Tags: []string{"x"}}, []string{"a", "b"}, true,
	}
	r := filter.NewReference()
	chunks, err := r.Put(values)
	if err != nil {
		t.Fatalf("Reference.Put: %v", err)
	}
	if len(chunks) != len(values) {
		t.Fatalf("Reference.Put returned %d chunks for %d values", len(chunks), len(values))
	}
	wire := bytes.Join(chunks, nil)
	for how, c := range cuts(wire) {
		t.Run(how, func(t *testing.T) {
			f := filter.NewReference()
			var got []any
			for _, chunk := range c {
				f.GetOneStart([][]byte{chunk})
				for {
					recs, err := f.GetOne()
					if err != nil {
						t.Fatalf("Reference.GetOne: %v", err)
					}
					if len(recs) == 0 {
						break
					}
					got = append(got, recs[0])
				}
			}
			if !reflect.DeepEqual(got, values) {
				t.Errorf("Reference round trip = %#v, want %#v", got, values)
			}
		})
	}
}

func TestReferenceFrame(t *testing.T) {
	chunks, err := filter.NewReference().Put([]any{"x"})
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(chunks[0], []byte{0})
	if !ok || string(head) != strings.TrimSpace(string(head)) || len(body) == 0 {
		t.Fatalf("Reference.Put frame = %q, want decimal length, NUL, data", chunks[0])
	}
	if want := len(body); string(head) != itoaTest(want) {
		t.Errorf("Reference frame length = %q, want %d", head, want)
	}
}

func itoaTest(n int) string {
	b := filter.DecimalLengthCodec().Encode(nil, n)
	return string(b[:len(b)-1])
}

// jsonSerializer shows the Serializer interface with another codec.
type jsonSerializer struct{}

func (jsonSerializer) Marshal(v any) ([]byte, error) { return json.Marshal(v) }
func (jsonSerializer) Unmarshal(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}

func TestReferenceErrors(t *testing.T) {
	j := filter.NewReference(filter.ReferenceOptions{Serializer: jsonSerializer{}, MaxBuffer: 16})
	chunks, err := j.Put([]any{map[string]any{"a": 1.0}})
	if err != nil || string(chunks[0]) != "7\x00{\"a\":1}" {
		t.Fatalf("Reference.Put with JSON = %q, %v", chunks, err)
	}
	if _, err := j.Put([]any{strings.Repeat("x", 20)}); !errors.Is(err, filter.ErrTooLong) {
		t.Errorf("Reference.Put over MaxBuffer error = %v, want ErrTooLong", err)
	}
	if _, err := j.Put([]any{make(chan int)}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Reference.Put(chan) error = %v, want ErrRecordType", err)
	}
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "bad payload", in: "3\x00{{{2\x00{}", want: []string{"!malformed", "map[]"}},
		{name: "too long frame", in: "20\x00" + strings.Repeat("x", 20) + "1\x001", want: []string{"!toolong", "1"}},
		{name: "junk", in: "??2\x00\"\"", want: []string{"!malformed", ""}},
	}
	for _, tt := range tests {
		for how, c := range cuts([]byte(tt.in)) {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				if got := feed(t, j.Clone(), c); !equal(got, tt.want) {
					t.Errorf("Reference.GetOne(%q) = %q, want %q", tt.in, got, tt.want)
				}
			})
		}
	}
	f := filter.NewReference()
	f.GetOneStart([][]byte{[]byte("5\x00abc")})
	drain(t, f)
	if p := pending(f); p != "5\x00abc" {
		t.Errorf("Reference.GetPending() = %q, want the partial frame", p)
	}
}

func FuzzReference(f *testing.F) {
	for _, v := range []any{"s", 1, refPoint{X: 3}, []byte("b")} {
		c, _ := filter.NewReference().Put([]any{v})
		f.Add(c[0], []byte{1})
	}
	f.Add([]byte("5\x00\x01\x02\x03\x04\x05"), []byte{2})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		// Arbitrary input: errors, never a panic, and bounded buffering.
		r := filter.NewReference(filter.ReferenceOptions{MaxBuffer: 1 << 12})
		for _, c := range chunksOf(data, sizes) {
			r.GetOneStart([][]byte{c})
			for range maxGetOne {
				recs, err := r.GetOne()
				if err == nil && len(recs) == 0 {
					break
				}
			}
		}
		if p := pending(r); len(p) > 1<<12+64 {
			t.Fatalf("Reference kept %d bytes pending", len(p))
		}
		// Round trip of the input as a string and a []byte.
		values := []any{string(data), data, len(data)}
		chunks, err := r.Put(values)
		if err != nil {
			return // larger than MaxBuffer
		}
		back := filter.NewReference(filter.ReferenceOptions{MaxBuffer: 1 << 12})
		var got []any
		for _, c := range chunksOf(bytes.Join(chunks, nil), sizes) {
			back.GetOneStart([][]byte{c})
			for {
				recs, err := back.GetOne()
				if err != nil {
					t.Fatalf("Reference.GetOne of its own output: %v", err)
				}
				if len(recs) == 0 {
					break
				}
				got = append(got, recs[0])
			}
		}
		if len(data) == 0 {
			values[1] = []byte(nil) // gob has no empty non-nil slice
			if g, ok := got[1].([]byte); ok && len(g) == 0 {
				got[1] = []byte(nil)
			}
		}
		if !reflect.DeepEqual(got, values) {
			t.Fatalf("Reference round trip = %#v, want %#v", got, values)
		}
	})
}

func BenchmarkReferenceRoundTrip(b *testing.B) {
	r := filter.NewReference()
	v := []any{refPoint{X: 1, Y: 2, Tags: []string{"a", "b"}}}
	b.ReportAllocs()
	for b.Loop() {
		chunks, err := r.Put(v)
		if err != nil {
			b.Fatal(err)
		}
		r.GetOneStart(chunks)
		if recs, err := r.GetOne(); err != nil || len(recs) != 1 {
			b.Fatal(recs, err)
		}
	}
}
