package filter_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestRecordBlockGetOne(t *testing.T) {
	r := filter.NewRecordBlock(filter.RecordBlockOptions{BlockSize: 2})
	r.GetOneStartRecords([]any{"a", 1, "c"})
	recs, err := r.GetOne()
	if err != nil || len(recs) != 1 || fmt.Sprint(recs[0]) != "[a 1]" {
		t.Fatalf("RecordBlock.GetOne() = %v, %v; want [[a 1]]", recs, err)
	}
	if recs, _ := r.GetOne(); len(recs) != 0 {
		t.Fatalf("RecordBlock.GetOne() with one item = %v, want nothing", recs)
	}
	r.GetOneStart([][]byte{[]byte("d")})
	recs, _ = r.GetOne()
	if len(recs) != 1 || fmt.Sprintf("%s", recs[0]) != "[c d]" {
		t.Fatalf("RecordBlock.GetOne() = %s, want [[c d]]", recs)
	}
	r.GetOneStartRecords([]any{"e"})
	if p := pending(r); p != "e" {
		t.Errorf("RecordBlock.GetPending() = %q, want %q", p, "e")
	}
}

func TestRecordBlockPut(t *testing.T) {
	tests := []struct {
		name     string
		checkPut bool
		puts     [][]any
		want     []string // per Put, joined with |
		pending  int
	}{
		{name: "flattens", puts: [][]any{{[]any{"a", "b"}, []any{"c"}}}, want: []string{"a|b|c"}},
		{name: "checkput holds partial blocks", checkPut: true, puts: [][]any{{[]any{"a"}}, {[]any{"b", "c"}}, {[]any{"d"}}}, want: []string{"", "a|b", "c|d"}},
		{name: "checkput remainder", checkPut: true, puts: [][]any{{[]any{"a", "b", "c"}}}, want: []string{"a|b"}, pending: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := filter.NewRecordBlock(filter.RecordBlockOptions{BlockSize: 2, CheckPut: tt.checkPut})
			for i, p := range tt.puts {
				chunks, err := r.Put(p)
				if err != nil {
					t.Fatalf("RecordBlock.Put(%v) error %v", p, err)
				}
				var got string
				for j, c := range chunks {
					if j > 0 {
						got += "|"
					}
					got += string(c)
				}
				if got != tt.want[i] {
					t.Errorf("RecordBlock.Put #%d(%v) = %q, want %q", i, p, got, tt.want[i])
				}
			}
			if got := len(r.PutPending()); got != tt.pending {
				t.Errorf("RecordBlock.PutPending() has %d items, want %d", got, tt.pending)
			}
		})
	}
}

func TestRecordBlockAccessorsAndErrors(t *testing.T) {
	r := filter.NewRecordBlock(filter.RecordBlockOptions{BlockSize: 3})
	r.SetBlockSize(0)
	if r.BlockSize() != 3 {
		t.Errorf("SetBlockSize(0) changed BlockSize to %d, want 3 kept", r.BlockSize())
	}
	r.SetBlockSize(1)
	r.SetCheckPut(true)
	if r.BlockSize() != 1 || !r.CheckPut() {
		t.Errorf("BlockSize, CheckPut = %d, %v; want 1, true", r.BlockSize(), r.CheckPut())
	}
	if _, err := r.Put([]any{"not a block"}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("RecordBlock.Put(string) error = %v, want ErrRecordType", err)
	}
	r.SetBlockSize(2)
	if _, err := r.Put([]any{[]any{"a", 5, "c"}}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("RecordBlock.Put of an int item error = %v, want ErrRecordType", err)
	}
	if p := r.PutPending(); p != nil {
		t.Errorf("RecordBlock.PutPending() after a failed Put = %v, want nil", p)
	}
	c := r.Clone().(*filter.RecordBlock)
	if c.BlockSize() != 2 || !c.CheckPut() {
		t.Errorf("Clone() BlockSize, CheckPut = %d, %v; want 2, true", c.BlockSize(), c.CheckPut())
	}
	defer func() {
		if recover() == nil {
			t.Errorf("NewRecordBlock(BlockSize 0) did not panic")
		}
	}()
	filter.NewRecordBlock(filter.RecordBlockOptions{})
}
