package dropper

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newDB(t *testing.T, path string, clk *fakeClock) *ByIPPort {
	t.Helper()
	d, err := NewByIPPort(ByIPPortOptions{Database: path, Attempts: 3, Interval: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatalf("NewByIPPort(Database: %s) error: %v", path, err)
	}
	return d
}

func TestDatabaseCreatedEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drop.db")
	newDB(t, path, newClock())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("database not created: %v", err)
	}
	got, err := decodeDB(data)
	if err != nil || len(got) != 0 {
		t.Fatalf("decodeDB(new database %q) = %v, %v; want an empty table", data, got, err)
	}
}

func TestDatabaseSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drop.db")
	clk := newClock()
	d := newDB(t, path, clk)
	from := ap("192.0.2.1:5060")
	for i := range 4 {
		if got, want := d.Run(nil, from), i >= 2; got != want {
			t.Fatalf("packet %d: dropped = %v, want %v", i, got, want)
		}
	}
	if err := d.Set(Key{IP: ip("2001:db8::7"), Port: 0, Time: base.Unix() + 600}, 99); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveDB(); err != nil {
		t.Fatalf("SaveDB() error: %v", err)
	}
	before := d.Data()

	clk.Advance(30 * time.Second)
	d2 := newDB(t, path, clk)
	if got := d2.Data(); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Fatalf("Data() after restart = %v, want %v", got, before)
	}
	if !d2.Run(nil, from) {
		t.Errorf("flooding peer passed after a restart; want still dropped")
	}
	if !d2.Run(nil, ap("[2001:db8::7]:5060")) {
		t.Errorf("banned IP passed after a restart; want dropped")
	}

	// Counts older than Interval are not brought back.
	clk.Advance(31 * time.Second)
	d3 := newDB(t, path, clk)
	if d3.Run(nil, from) {
		t.Errorf("peer still dropped after a restart past Interval")
	}
}

func TestSaveDBWritesOnlyChanges(t *testing.T) {
	clk := newClock()
	var saved []Table
	d, err := NewByIPPort(ByIPPortOptions{
		Attempts: 3, Interval: time.Minute, Now: clk.Now,
		Load: func() (Table, error) {
			return Table{{IP: ip("192.0.2.1"), Port: 5060, Time: base.Unix() - 10}: 2}, nil
		},
		Save: func(t Table) error { saved = append(saved, t); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Run(nil, ap("192.0.2.1:5060")) {
		t.Errorf("peer with 2 loaded attempts passed its third; want dropped")
	}
	steps := []struct {
		do        func()
		wantSaves int
	}{
		{func() {}, 1},
		{func() {}, 1}, // unchanged: no write
		{func() { d.Run(nil, ap("192.0.2.2:1")) }, 2},
		{func() { clk.Advance(55 * time.Second) }, 3}, // the loaded second expired
		{func() { clk.Advance(10 * time.Second) }, 4}, // the rest expired
		{func() { clk.Advance(10 * time.Second) }, 4},
	}
	for i, s := range steps {
		s.do()
		if err := d.SaveDB(); err != nil {
			t.Fatalf("step %d: SaveDB() error: %v", i, err)
		}
		if len(saved) != s.wantSaves {
			t.Fatalf("step %d: %d Save calls, want %d", i, len(saved), s.wantSaves)
		}
	}
	if len(saved[2]) != 2 || len(saved[3]) != 0 {
		t.Errorf("saved tables %v: want 2 then 0 entries at the end", saved)
	}
	saved[0][Key{IP: ip("192.0.2.3"), Port: 1, Time: 1}] = 1 // a copy: no effect
	if n := d.Len(); n != 0 {
		t.Errorf("Len() = %d, want 0", n)
	}
}

func TestSaveErrorKeepsChanges(t *testing.T) {
	fail := errors.New("disk full")
	var calls int
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 3, Interval: time.Minute,
		Save: func(Table) error {
			calls++
			if calls == 1 {
				return fail
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	d.Run(nil, ap("192.0.2.1:5060"))
	if err := d.SaveDB(); !errors.Is(err, fail) {
		t.Fatalf("SaveDB() = %v, want the Save error", err)
	}
	if err := d.SaveDB(); err != nil || calls != 2 {
		t.Fatalf("SaveDB() after a failure = %v with %d calls; want nil after a retry", err, calls)
	}
}

func TestNoDatabase(t *testing.T) {
	d, err := NewByIPPort(ByIPPortOptions{Attempts: 3, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	d.Run(nil, ap("192.0.2.1:5060"))
	if err := d.SaveDB(); err != nil {
		t.Errorf("SaveDB() without a database = %v, want nil", err)
	}
}

func TestLoadErrors(t *testing.T) {
	fail := errors.New("no backend")
	tests := []struct {
		name string
		load func() (Table, error)
		want error
	}{
		{"Load fails", func() (Table, error) { return nil, fail }, fail},
		{"bad port", func() (Table, error) { return Table{{IP: ip("192.0.2.1"), Port: 70000}: 1}, nil }, ErrCorrupt},
		{"bad count", func() (Table, error) { return Table{{IP: ip("192.0.2.1"), Port: 1}: 0}, nil }, ErrCorrupt},
		{"no IP", func() (Table, error) { return Table{{Port: 1}: 1}, nil }, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewByIPPort(ByIPPortOptions{Attempts: 3, Interval: time.Minute, Load: tt.load})
			if !errors.Is(err, tt.want) || d != nil {
				t.Fatalf("NewByIPPort = %v, %v; want nil, an error wrapping %v", d, err, tt.want)
			}
		})
	}
}

func TestCorruptDatabaseIsAnError(t *testing.T) {
	const head = `{"format":"poe-dropper-byipport","version":1,"entries":[`
	entry := func(body string) string { return head + body + "]}" }
	tests := []struct{ name, content string }{
		{"empty file", ""},
		{"truncated", head + `{"ip":"192.0.2.1","port":5060,"ti`},
		{"not JSON", "pst0\x04\x0b\x03"}, // Storable's magic
		{"null", "null"},
		{"array", "[]"},
		{"wrong format", `{"format":"other","version":1,"entries":[]}`},
		{"no format", `{"version":1,"entries":[]}`},
		{"newer version", `{"format":"poe-dropper-byipport","version":2,"entries":[]}`},
		{"no version", `{"format":"poe-dropper-byipport","entries":[]}`},
		{"no entries", `{"format":"poe-dropper-byipport","version":1}`},
		{"unknown field", `{"format":"poe-dropper-byipport","version":1,"entries":[],"x":1}`},
		{"data after", entry("") + "{}"},
		{"bad ip", entry(`{"ip":"192.0.2.300","port":5060,"time":1,"count":1}`)},
		{"missing port", entry(`{"ip":"192.0.2.1","time":1,"count":1}`)},
		{"missing count", entry(`{"ip":"192.0.2.1","port":5060,"time":1}`)},
		{"port too big", entry(`{"ip":"192.0.2.1","port":65536,"time":1,"count":1}`)},
		{"negative count", entry(`{"ip":"192.0.2.1","port":1,"time":1,"count":-3}`)},
		{"zero count", entry(`{"ip":"192.0.2.1","port":1,"time":1,"count":0}`)},
		{"float time", entry(`{"ip":"192.0.2.1","port":1,"time":1.5,"count":1}`)},
		{"string port", entry(`{"ip":"192.0.2.1","port":"1","time":1,"count":1}`)},
		{"duplicate", entry(`{"ip":"192.0.2.1","port":1,"time":1,"count":1},{"ip":"192.0.2.1","port":1,"time":1,"count":2}`)},
		{"too large", entry(strings.Repeat(" ", 4096+256*2))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "drop.db")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			d, err := NewByIPPort(ByIPPortOptions{Database: path, Attempts: 3, Interval: time.Minute, MaxEntries: 2})
			if !errors.Is(err, ErrCorrupt) || d != nil {
				t.Fatalf("NewByIPPort on %q = %v, %v; want nil, an error wrapping ErrCorrupt", tt.content, d, err)
			}
			after, err := os.ReadFile(path)
			if err != nil || string(after) != tt.content {
				t.Errorf("corrupt database changed to %q, %v; want it left alone", after, err)
			}
		})
	}
}

func TestDatabaseUnusablePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "drop.db")
	if d, err := NewByIPPort(ByIPPortOptions{Database: path, Attempts: 3, Interval: time.Minute}); err == nil || d != nil {
		t.Fatalf("NewByIPPort(Database in a missing directory) = %v, %v; want an error", d, err)
	}
}

func TestLoadEvictsPastMaxEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drop.db")
	clk := newClock()
	d, err := NewByIPPort(ByIPPortOptions{Database: path, Attempts: 3, Interval: time.Hour, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		clk.Advance(time.Second)
		d.RunConn(ap(fmt.Sprintf("192.0.2.%d:1", i)))
	}
	if err := d.SaveDB(); err != nil {
		t.Fatal(err)
	}
	small, err := NewByIPPort(ByIPPortOptions{Database: path, Attempts: 3, Interval: time.Hour, MaxEntries: 3, Now: clk.Now})
	if err != nil {
		t.Fatalf("NewByIPPort(MaxEntries 3) on 5 entries: %v", err)
	}
	got := small.Data()
	for i := range 5 {
		_, ok := got[Key{IP: ip(fmt.Sprintf("192.0.2.%d", i)), Port: 1, Time: base.Unix() + int64(i) + 1}]
		if ok != (i >= 2) {
			t.Errorf("entry %d kept = %v, want %v (the 3 newest): %v", i, ok, i >= 2, got)
		}
	}
}

// failOps makes the n-th call (from 1) of syncFile or renameFile fail, for
// the length of the test.
func failOps(t *testing.T, op string, n int) {
	t.Helper()
	oldSync, oldRename := syncFile, renameFile
	t.Cleanup(func() { syncFile, renameFile = oldSync, oldRename })
	calls := 0
	errInjected := errors.New("injected " + op + " failure")
	switch op {
	case "sync":
		syncFile = func(f *os.File) error {
			if calls++; calls == n {
				return errInjected
			}
			return oldSync(f)
		}
	case "rename":
		renameFile = func(a, b string) error {
			if calls++; calls == n {
				return errInjected
			}
			return oldRename(a, b)
		}
	}
}

func TestAtomicWriteFailureLeavesOldDatabase(t *testing.T) {
	for _, op := range []string{"sync", "rename"} {
		t.Run(op, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "drop.db")
			clk := newClock()
			d := newDB(t, path, clk)
			d.Run(nil, ap("192.0.2.1:5060"))
			if err := d.SaveDB(); err != nil {
				t.Fatal(err)
			}
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			d.Run(nil, ap("192.0.2.2:5060"))
			failOps(t, op, 1)
			if err := d.SaveDB(); err == nil {
				t.Fatalf("SaveDB() with a failing %s = nil, want an error", op)
			}
			now, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(now, old) {
				t.Fatalf("database after a failed save = %q, %v; want the old %q", now, err, old)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("directory after a failed save holds %v, want only drop.db", entries)
			}

			// The change is not lost: the next SaveDB writes it.
			if err := d.SaveDB(); err != nil {
				t.Fatalf("SaveDB() after the failure: %v", err)
			}
			got, err := NewByIPPort(ByIPPortOptions{Database: path, Attempts: 3, Interval: time.Minute, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			if n := got.Len(); n != 2 {
				t.Errorf("reloaded database has %d entries, want 2: %v", n, got.Data())
			}
		})
	}
}

func TestEncodeDBFormat(t *testing.T) {
	tab := Table{
		{IP: ip("2001:db8::1"), Port: 0, Time: 20}:  5,
		{IP: ip("192.0.2.1"), Port: 5061, Time: 10}: 1,
		{IP: ip("192.0.2.1"), Port: 5060, Time: 10}: 2,
	}
	want := `{"format":"poe-dropper-byipport","version":1,"entries":[
{"ip":"192.0.2.1","port":5060,"time":10,"count":2},
{"ip":"192.0.2.1","port":5061,"time":10,"count":1},
{"ip":"2001:db8::1","port":0,"time":20,"count":5}
]}
`
	if got := string(encodeDB(tab)); got != want {
		t.Errorf("encodeDB = %s, want %s", got, want)
	}
}

func FuzzLoadDB(f *testing.F) {
	f.Add(encodeDB(nil))
	f.Add(encodeDB(Table{
		{IP: ip("192.0.2.1"), Port: 5060, Time: 1700000000}: 3,
		{IP: ip("fe80::1%eth0"), Port: 0, Time: -5}:         MaxCount,
		{IP: ip("::ffff:192.0.2.1"), Port: 65535, Time: 0}:  1,
	}))
	f.Add(encodeDB(Table{{IP: ip("fe80::1%a\"b\\c\x01\u00e4"), Port: 1, Time: 1}: 1})) // a zone that needs escaping
	f.Add([]byte(`{"format":"poe-dropper-byipport","version":1,"entries":[{"ip":"1.2.3.4","port":1,"time":1,"count":1},{"ip":"1.2.3.4","port":1,"time":1,"count":1}]}`))
	f.Add([]byte(`{"format":"poe-dropper-byipport","version":1,"entries":null}`))
	f.Add([]byte(`{"version":1e400}`))
	f.Add([]byte("pst0\x04\x0b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := decodeDB(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeDB(%q) error %v does not wrap ErrCorrupt", data, err)
			}
			return
		}
		for k, n := range tab {
			if err := checkEntry(k, n); err != nil {
				t.Fatalf("decodeDB(%q) returned an invalid entry: %v", data, err)
			}
		}
		// Round trip: what we write reads back as the same table.
		again, err := decodeDB(encodeDB(tab))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(tab) {
			t.Fatalf("decodeDB(encodeDB(%v)) = %v, %v", tab, again, err)
		}
		// And a ByIPPort loads it.
		d, err := NewByIPPort(ByIPPortOptions{Attempts: 3, Interval: time.Minute, MaxEntries: 100,
			Load: func() (Table, error) { return tab, nil }})
		if err != nil {
			t.Fatalf("NewByIPPort(Load: %v) error: %v", tab, err)
		}
		if d.Len() > 100 {
			t.Fatalf("Len() = %d past MaxEntries 100", d.Len())
		}
	})
}
