package dropper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// The database file is JSON:
//
//	{"format":"poe-dropper-byipport","version":1,"entries":[
//	{"ip":"192.0.2.7","port":5060,"time":1700000000,"count":3},
//	{"ip":"2001:db8::1","port":0,"time":4102444800,"count":1000000}
//	]}
//
// Every field is required, no other field is allowed, and a Key appears at
// most once. Entries are written sorted by time, ip and port.
const (
	dbFormat  = "poe-dropper-byipport"
	dbVersion = 1
	// bytesPerEntry bounds the size of one entry, even pretty-printed by
	// hand; the file may not exceed dbSlack + bytesPerEntry*MaxEntries.
	bytesPerEntry = 256
	dbSlack       = 4096
)

type dbFile struct {
	Format  string    `json:"format"`
	Version *int      `json:"version"`
	Entries []dbEntry `json:"entries"`
}

type dbEntry struct {
	IP    *string `json:"ip"`
	Port  *int    `json:"port"`
	Time  *int64  `json:"time"`
	Count *int    `json:"count"`
}

// loadOrCreateFile loads the database at path, or creates it holding an
// empty table when it does not exist.
func loadOrCreateFile(path string, maxEntries int) (Table, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := writeFileAtomic(path, encodeDB(nil)); err != nil {
			return nil, fmt.Errorf("dropper: create database: %w", err)
		}
		return Table{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dropper: open database: %w", err)
	}
	defer f.Close()
	limit := int64(dbSlack) + bytesPerEntry*int64(maxEntries)
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("dropper: read database: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrCorrupt, path, limit)
	}
	t, err := decodeDB(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// decodeDB parses a database file. Any error wraps ErrCorrupt.
func decodeDB(data []byte) (Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f dbFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the database object", ErrCorrupt)
	}
	if f.Format != dbFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrCorrupt, f.Format, dbFormat)
	}
	if f.Version == nil || *f.Version != dbVersion {
		v := "missing"
		if f.Version != nil {
			v = strconv.Itoa(*f.Version)
		}
		return nil, fmt.Errorf("%w: version %s, want %d", ErrCorrupt, v, dbVersion)
	}
	if f.Entries == nil {
		return nil, fmt.Errorf("%w: no entries list", ErrCorrupt)
	}
	t := make(Table, len(f.Entries))
	for i, e := range f.Entries {
		if e.IP == nil || e.Port == nil || e.Time == nil || e.Count == nil {
			return nil, fmt.Errorf("%w: entry %d: missing field", ErrCorrupt, i)
		}
		ip, err := netip.ParseAddr(*e.IP)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrCorrupt, i, err)
		}
		k := Key{IP: ip, Port: *e.Port, Time: *e.Time}
		if err := checkEntry(k, *e.Count); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrCorrupt, i, err)
		}
		if _, dup := t[k]; dup {
			return nil, fmt.Errorf("%w: entry %d: duplicate of an earlier one", ErrCorrupt, i)
		}
		t[k] = *e.Count
	}
	return t, nil
}

// encodeDB renders t in the file format, one entry a line, sorted.
func encodeDB(t Table) []byte {
	es := make([]entry, 0, len(t))
	for k, n := range t {
		es = append(es, entry{k, n})
	}
	return encodeEntries(es)
}

// encodeEntries renders es in the file format, one entry a line, sorted by
// time, ip and port. It sorts es in place.
func encodeEntries(es []entry) []byte {
	slices.SortFunc(es, func(x, y entry) int {
		a, b := x.key, y.key
		if a.Time != b.Time {
			if a.Time < b.Time {
				return -1
			}
			return 1
		}
		if c := a.IP.Compare(b.IP); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
	b := make([]byte, 0, 96+80*len(es))
	b = fmt.Appendf(b, `{"format":%q,"version":%d,"entries":[`, dbFormat, dbVersion)
	for i, e := range es {
		k := e.key
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n{\"ip\":"...)
		if k.IP.Zone() == "" {
			b = append(b, '"')
			b = k.IP.AppendTo(b)
			b = append(b, '"')
		} else {
			b = appendJSONString(b, k.IP.String())
		}
		b = append(b, `,"port":`...)
		b = strconv.AppendInt(b, int64(k.Port), 10)
		b = append(b, `,"time":`...)
		b = strconv.AppendInt(b, k.Time, 10)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(e.count), 10)
		b = append(b, '}')
	}
	return append(b, "\n]}\n"...)
}

// appendJSONString appends s as a JSON string. Only an address with a zone
// (in a table decoded from a file, before NewByIPPort strips it) needs it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// SaveDB writes the table to the database (the file or the Save callback)
// after expiring old counters; it does nothing without a database, or when
// nothing changed since the last successful SaveDB. The original saves after
// every counted packet; here the caller decides when, typically from a
// timer and at shutdown, because a flood must not cost a file write per
// packet.
//
// The file is replaced atomically: the table is written to a temporary file
// in the same directory, synced, renamed over the database and the
// directory synced, so a crash leaves either the old or the new table, never
// a torn one. On error the old file stays in place and the next SaveDB
// tries again. SaveDB may be called from any goroutine; Run is not blocked
// while the file is written.
func (d *ByIPPort) SaveDB() error {
	if d.cfg.database == "" && d.cfg.save == nil {
		return nil
	}
	d.saveMu.Lock()
	defer d.saveMu.Unlock()
	now := d.cfg.now().Unix()
	d.mu.Lock()
	d.tb.expire(now, d.cfg.intervalSec)
	if !d.tb.dirty {
		d.mu.Unlock()
		return nil
	}
	es := d.tb.entries()
	d.tb.dirty = false
	d.mu.Unlock()

	var err error
	if d.cfg.database != "" {
		if err = writeFileAtomic(d.cfg.database, encodeEntries(es)); err != nil {
			err = fmt.Errorf("dropper: save database: %w", err)
		}
	} else if err = d.cfg.save(toTable(es)); err != nil {
		err = fmt.Errorf("dropper: Save: %w", err)
	}
	if err != nil {
		d.mu.Lock()
		d.tb.dirty = true
		d.mu.Unlock()
	}
	return err
}

// File operations that tests replace to simulate failures.
var (
	syncFile   = (*os.File).Sync
	renameFile = os.Rename
)

// writeFileAtomic replaces path with data so that readers, and the file
// system after a crash, see either the old content or all of the new one.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = syncFile(f); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = renameFile(tmp, path); err != nil {
		return err
	}
	// The rename is done: from here the temporary file is gone, and an
	// error only means the rename may not yet be durable.
	return syncDir(dir)
}

func syncDir(dir string) error {
	df, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer df.Close()
	return syncFile(df)
}
