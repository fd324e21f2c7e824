package filter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestMap(t *testing.T) {
	upper := func(r any) any { return strings.ToUpper(r.(string)) }
	rev := func(r any) any {
		b := []byte(r.(string))
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return string(b)
	}
	tests := []struct {
		name    string
		opts    filter.MapOptions
		in      []any
		want    []string
		put     []any
		wantPut []string
	}{
		{name: "code", opts: filter.MapOptions{Code: upper}, in: []any{"a", "b"}, want: []string{"A", "B"}, put: []any{"c"}, wantPut: []string{"C"}},
		{name: "get and put", opts: filter.MapOptions{Get: rev, Put: upper}, in: []any{"abc"}, want: []string{"cba"}, put: []any{"abc"}, wantPut: []string{"ABC"}},
		{name: "code wins", opts: filter.MapOptions{Code: upper, Get: rev}, in: []any{"abc"}, want: []string{"cba"}, put: []any{"x"}, wantPut: []string{"X"}},
		{name: "zero is identity", in: []any{"a"}, want: []string{"a"}, put: []any{"b"}, wantPut: []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := filter.NewMap(tt.opts)
			m.GetOneStartRecords(tt.in)
			if got := drain(t, m); !equal(got, tt.want) {
				t.Errorf("Map.GetOne(%q) = %q, want %q", tt.in, got, tt.want)
			}
			chunks, err := m.Put(tt.put)
			if err != nil {
				t.Fatalf("Map.Put(%q) error %v", tt.put, err)
			}
			var got []string
			for _, c := range chunks {
				got = append(got, string(c))
			}
			if !equal(got, tt.wantPut) {
				t.Errorf("Map.Put(%q) = %q, want %q", tt.put, got, tt.wantPut)
			}
		})
	}
}

func TestMapRecordsAndPending(t *testing.T) {
	type point struct{ X, Y int }
	m := filter.NewMap(filter.MapOptions{Put: func(r any) any { p := r.(point); return point{p.Y, p.X} }})
	out, err := m.PutRecords([]any{point{1, 2}})
	if err != nil || len(out) != 1 || out[0] != (point{2, 1}) {
		t.Errorf("Map.PutRecords(point{1,2}) = %v, %v; want [{2 1}]", out, err)
	}
	if _, err := m.Put([]any{point{1, 2}}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("Map.Put to bytes of a struct error = %v, want ErrRecordType", err)
	}
	m.GetOneStart([][]byte{[]byte("a"), []byte("b")})
	if p := pending(m); p != "ab" {
		t.Errorf("Map.GetPending() = %q, want %q", p, "ab")
	}
	m.GetOneStartRecords([]any{point{}})
	if c := m.Clone(); len(c.(filter.RecordFilter).GetPendingRecords()) != 0 {
		t.Errorf("Map.Clone() kept the queue")
	}
	if p := m.GetPendingRecords(); len(p) != 1 {
		t.Errorf("Map.GetPendingRecords() = %v, want one point", p)
	}
}
