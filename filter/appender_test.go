package filter_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/seed02617006/poe/filter"
)

// TestAppendPut checks that each Appender's AppendPut is append(dst,
// Put(records)...), and that a refused record leaves dst as given.
func TestAppendPut(t *testing.T) {
	cases := []struct {
		name string
		f    func() filter.Filter
	}{
		{"Line", func() filter.Filter { return filter.NewLine() }},
		{"Line literal", func() filter.Filter { return filter.NewLine(filter.LineOptions{OutputLiteral: "\x00"}) }},
		{"Stream", func() filter.Filter { return filter.NewStream() }},
	}
	records := [][]any{
		nil,
		{"one"},
		{"one", []byte("two"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, recs := range records {
				ap, ok := c.f().(filter.Appender)
				if !ok {
					t.Fatalf("%s is not an Appender", c.name)
				}
				want, err := c.f().Put(recs)
				if err != nil {
					t.Fatal(err)
				}
				dst := [][]byte{[]byte("kept")}
				got, err := ap.AppendPut(dst, recs)
				if err != nil {
					t.Fatalf("AppendPut(%q) error %v", recs, err)
				}
				if len(got) != 1+len(want) || string(got[0]) != "kept" {
					t.Fatalf("AppendPut([kept], %q) = %q, want kept then %q", recs, got, want)
				}
				for i := range want {
					if !bytes.Equal(got[1+i], want[i]) {
						t.Errorf("AppendPut(%q)[%d] = %q, want %q", recs, i, got[1+i], want[i])
					}
				}
			}
			ap := c.f().(filter.Appender)
			dst := make([][]byte, 1, 8)
			dst[0] = []byte("kept")
			got, err := ap.AppendPut(dst, []any{"fine", 42})
			if !errors.Is(err, filter.ErrRecordType) {
				t.Errorf("AppendPut(fine, 42) error = %v, want ErrRecordType", err)
			}
			if len(got) != 1 || string(got[0]) != "kept" || dst[:2][1] != nil {
				t.Errorf("AppendPut(fine, 42) = %q (spare %q), want [kept] and nothing left behind", got, dst[:2][1])
			}
			if put, err := c.f().Put([]any{42}); put != nil || err == nil {
				t.Errorf("Put(42) = %q, %v; want nil and an error", put, err)
			}
		})
	}
}
