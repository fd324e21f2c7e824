package filter_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

// codec is one filter for the switching tests: a constructor, a stream it
// can read, and the records that stream holds, as show renders them.
type codec struct {
	name string
	mk   func() filter.Filter
	wire []byte
	want []string
}

func codecs(t *testing.T) []codec {
	t.Helper()
	put := func(f filter.Filter, recs ...any) []byte {
		chunks, err := f.Put(recs)
		if err != nil {
			t.Fatalf("%T.Put: %v", f, err)
		}
		return bytes.Join(chunks, nil)
	}
	lf := func() filter.Filter { return filter.NewLine(filter.LineOptions{OutputLiteral: "\n"}) }
	fixed := func() filter.Filter { return filter.NewBlock(filter.BlockOptions{BlockSize: 4}) }
	stack := func() filter.Filter {
		return filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{filter.NewBlock(), filter.NewLine()}})
	}
	var reqs bytes.Buffer
	for _, p := range []string{"/1", "/2"} {
		r, _ := http.NewRequest("POST", "http://127.0.0.1"+p, strings.NewReader("b"+p))
		if err := r.Write(&reqs); err != nil {
			t.Fatal(err)
		}
	}
	return []codec{
		{"Line", lf, put(lf(), "one", "", "three"), []string{"one", "", "three"}},
		{"Block", func() filter.Filter { return filter.NewBlock() }, put(filter.NewBlock(), "x", "", "5\x00zz"), []string{"x", "", "5\x00zz"}},
		{"BlockSize", fixed, put(fixed(), "abcd", "\r\n\x00\x01"), []string{"abcd", "\r\n\x00\x01"}},
		{"Reference", func() filter.Filter { return filter.NewReference() }, put(filter.NewReference(), "r", 9), []string{"r", "9"}},
		{"Stackable", stack, put(stack(), "s1", "s2"), []string{"s1", "s2"}},
		{"HTTPD", func() filter.Filter { return filter.NewHTTPD() }, reqs.Bytes(), []string{`POST /1 HTTP/1.1 body="b/1"`, `POST /2 HTTP/1.1 body="b/2"`}},
	}
}

// TestSwitchMidStream reads one filter's stream and then another's from
// the same connection, switching filters after the first filter's last
// record and handing GetPending over, as a wheel's SetFilter does.
func TestSwitchMidStream(t *testing.T) {
	cs := codecs(t)
	for _, a := range cs {
		for _, b := range cs {
			wire := append(append([]byte(nil), a.wire...), b.wire...)
			want := append(append([]string(nil), a.want...), b.want...)
			for how, chunks := range cuts(wire) {
				t.Run(a.name+"-"+b.name+"/"+how, func(t *testing.T) {
					cur := a.mk()
					var got []string
					for _, c := range chunks {
						cur.GetOneStart([][]byte{c})
						for range maxGetOne {
							recs, err := cur.GetOne()
							if err != nil {
								t.Fatalf("GetOne after %q: %v", got, err)
							}
							if len(recs) == 0 {
								break
							}
							got = append(got, show(recs[0]))
							if len(got) == len(a.want) {
								next := b.mk()
								next.GetOneStart(cur.GetPending())
								cur = next
							}
						}
					}
					if !equal(got, want) {
						t.Errorf("records = %q, want %q", got, want)
					}
				})
			}
		}
	}
}

// TestClone checks that each filter's Clone keeps the settings and none of
// the buffered input.
func TestClone(t *testing.T) {
	for _, c := range codecs(t) {
		t.Run(c.name, func(t *testing.T) {
			f := c.mk()
			f.GetOneStart([][]byte{c.wire[:len(c.wire)-1]})
			clone := f.Clone()
			if p := clone.GetPending(); p != nil {
				t.Errorf("%s.Clone().GetPending() = %q, want nil", c.name, p)
			}
			if got := feed(t, clone, [][]byte{c.wire}); !equal(got, c.want) {
				t.Errorf("%s clone read %q, want %q", c.name, got, c.want)
			}
			if got := feed(t, f, [][]byte{c.wire[len(c.wire)-1:]}); !equal(got, c.want) {
				t.Errorf("%s original read %q after its clone, want %q", c.name, got, c.want)
			}
		})
	}
}
