package filter_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed02617006/poe/filter"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// maxGetOne bounds the GetOne loops of the tests, so a filter that never
// stops returning records fails instead of hanging.
const maxGetOne = 1 << 20

// show renders a record or an error for comparisons: byte strings as
// strings, errors as "!" and the sentinel they wrap.
func show(rec any) string {
	switch v := rec.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case *http.Response:
		return fmt.Sprintf("<%d>", v.StatusCode)
	case *http.Request:
		body, err := io.ReadAll(v.Body)
		if err != nil {
			return "!body " + err.Error()
		}
		s := fmt.Sprintf("%s %s %s body=%q", v.Method, v.RequestURI, v.Proto, body)
		if len(v.Trailer) > 0 {
			s += fmt.Sprintf(" trailer=%v", v.Trailer)
		}
		return s
	}
	return fmt.Sprintf("%v", rec)
}

func showErr(err error) string {
	switch {
	case errors.Is(err, filter.ErrTooLong):
		return "!toolong"
	case errors.Is(err, filter.ErrMalformed):
		return "!malformed"
	case errors.Is(err, filter.ErrRecordType):
		return "!type"
	}
	return "!" + err.Error()
}

// drain calls GetOne until it returns nothing, rendering records and
// errors; it goes on after an error, as the filters resynchronise.
func drain(t testing.TB, f filter.Filter) []string {
	t.Helper()
	var out []string
	for range maxGetOne {
		recs, err := f.GetOne()
		if err != nil {
			out = append(out, showErr(err))
			continue
		}
		if len(recs) == 0 {
			return out
		}
		if len(recs) != 1 {
			t.Fatalf("GetOne returned %d records, want at most 1", len(recs))
		}
		out = append(out, show(recs[0]))
	}
	t.Fatalf("GetOne did not stop after %d calls", maxGetOne)
	return nil
}

// feed gives f each chunk in turn, draining after each, as a wheel does.
func feed(t testing.TB, f filter.Filter, chunks [][]byte) []string {
	t.Helper()
	var out []string
	for _, c := range chunks {
		f.GetOneStart([][]byte{c})
		out = append(out, drain(t, f)...)
	}
	return out
}

// cuts returns named ways to cut data into chunks: whole, byte by byte,
// in pairs, and in three uneven parts.
func cuts(data []byte) map[string][][]byte {
	m := map[string][][]byte{"whole": {data}}
	var bytewise, pairs [][]byte
	for i := range data {
		bytewise = append(bytewise, data[i:i+1])
		if i%2 == 0 {
			pairs = append(pairs, data[i:min(i+2, len(data))])
		}
	}
	m["bytewise"], m["pairs"] = bytewise, pairs
	a, b := len(data)/3, len(data)*2/3+1
	if b > len(data) {
		b = len(data)
	}
	m["thirds"] = [][]byte{data[:a], data[a:b], data[b:]}
	return m
}

func pending(f filter.Filter) string {
	var s []byte
	for _, c := range f.GetPending() {
		s = append(s, c...)
	}
	return string(s)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// chunksOf splits data into pieces of the sizes given, cycling through
// them; it drives the fuzz targets' chunking.
func chunksOf(data []byte, sizes []byte) [][]byte {
	var out [][]byte
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(sizes) > 0 {
			n = min(int(sizes[i%len(sizes)])%64+1, len(data))
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}
