package filter_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/seed02617006/poe/filter"
)

// appender is a filter with AppendPut.
type appender interface {
	AppendPut(dst [][]byte, records []any) ([][]byte, error)
}

// TestAppendPut checks that each filter's AppendPut is append(dst,
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
				ap, ok := c.f().(appender)
				if !ok {
					t.Fatalf("%s has no AppendPut", c.name)
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
			ap := c.f().(appender)
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

// TestAppendOne feeds the same input to two copies of each filter with
// AppendOne,
// one read with GetOne and one with AppendOne onto a reused slice that
// starts with a record of its own: AppendOne must give that record and
// then exactly what GetOne gives, errors included, every time.
func TestAppendOne(t *testing.T) {
	cases := []struct {
		name string
		f    func() filter.Filter
	}{
		{"Line", func() filter.Filter { return filter.NewLine(filter.LineOptions{MaxLength: 8}) }},
		{"Line autodetect", func() filter.Filter { return filter.NewLine(filter.LineOptions{Autodetect: true}) }},
		{"Stream", func() filter.Filter { return filter.NewStream() }},
	}
	chunks := []string{"one\r", "\ntwo\n\rthree", "", "\rfour is far too long\nfive\r\n", "six"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			get, app := c.f(), c.f()
			ap, ok := app.(interface{ AppendOne([]any) ([]any, error) })
			if !ok {
				t.Fatalf("%s has no AppendOne", c.name)
			}
			dst := make([]any, 0, 4)
			records := 0
			for _, chunk := range chunks {
				get.GetOneStart([][]byte{[]byte(chunk)})
				app.GetOneStart([][]byte{[]byte(chunk)})
				for range 10 {
					want, wantErr := get.GetOne()
					got, err := ap.AppendOne(append(dst[:0], "kept"))
					if (err == nil) != (wantErr == nil) || len(got) != 1+len(want) || got[0] != "kept" {
						t.Fatalf("after %q: AppendOne([kept]) = %q, %v; want kept then %q, %v", chunk, got, err, want, wantErr)
					}
					for i := range want {
						if typed(got[1+i]) != typed(want[i]) {
							t.Errorf("after %q: AppendOne record %q, GetOne %q", chunk, got[1+i], want[i])
						}
					}
					records += len(want)
					if len(want) == 0 && wantErr == nil {
						break
					}
				}
			}
			if records < 2 {
				t.Fatalf("only %d records: the input does not exercise %s", records, c.name)
			}
		})
	}
}

// typed renders a record with its type, so that a string and the same
// bytes differ.
func typed(r any) string { return fmt.Sprintf("%T:%s", r, show(r)) }
