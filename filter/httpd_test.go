package filter_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/seed02617006/poe/filter"
)

func TestHTTPDGetOne(t *testing.T) {
	tests := []struct {
		name    string
		opts    filter.HTTPDOptions
		in      string
		want    []string
		pending string
	}{
		{name: "get", in: "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n", want: []string{`GET /a?b=c HTTP/1.1 body=""`}},
		{name: "bare lf headers", in: "GET / HTTP/1.0\nHost: x\n\n", want: []string{`GET / HTTP/1.0 body=""`}},
		{name: "leading crlf skipped", in: "\r\n\r\nGET / HTTP/1.1\r\n\r\n", want: []string{`GET / HTTP/1.1 body=""`}},
		{name: "content length", in: "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", want: []string{`POST /p HTTP/1.1 body="hello"`}},
		{name: "partial body pending whole", in: "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", pending: "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel"},
		{name: "pipelined", in: "GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 1\r\n\r\nxGET /3 HTTP/1.1\r\n\r\nGET /4", want: []string{`GET /1 HTTP/1.1 body=""`, `POST /2 HTTP/1.1 body="x"`, `GET /3 HTTP/1.1 body=""`}, pending: "GET /4"},
		{name: "chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Sum: 7\r\n\r\n", want: []string{`POST / HTTP/1.1 body="hello!" trailer=map[X-Sum:[7]]`}},
		{name: "chunked then next", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\nGET /n HTTP/1.1\r\n\r\n", want: []string{`POST / HTTP/1.1 body="0123456789"`, `GET /n HTTP/1.1 body=""`}},
		{name: "malformed request line", in: "HELLO\r\n\r\nGET / HTTP/1.1\r\n\r\n", want: []string{"<400>"}},
		{name: "http 0.9 refused", in: "GET /\r\n\r\n", want: []string{"<400>"}},
		{name: "bad content length", in: "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", want: []string{"<400>"}},
		{name: "content too large", opts: filter.HTTPDOptions{MaxContent: 4}, in: "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", want: []string{"<413>"}},
		{name: "content at limit", opts: filter.HTTPDOptions{MaxContent: 5}, in: "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", want: []string{`POST / HTTP/1.1 body="hello"`}},
		{name: "chunked too large", opts: filter.HTTPDOptions{MaxContent: 4}, in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", want: []string{"<413>"}},
		{name: "chunk bare lf", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", want: []string{"<400>"}},
		{name: "chunk bad size", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", want: []string{"<400>"}},
		{name: "chunk data without crlf", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY", want: []string{"<400>"}},
		{name: "headers too large", opts: filter.HTTPDOptions{MaxBuffer: 32}, in: "GET / HTTP/1.1\r\nX-Long: " + strings.Repeat("a", 40) + "\r\n\r\n", want: []string{"<431>"}},
		{name: "unsupported transfer encoding", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", want: []string{"<400>"}},
	}
	for _, tt := range tests {
		for how, chunks := range cuts([]byte(tt.in)) {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				f := filter.NewHTTPD(tt.opts)
				got := feed(t, f, chunks)
				if !equal(got, tt.want) {
					t.Errorf("HTTPD.GetOne(%q) = %q, want %q", tt.in, got, tt.want)
				}
				if p := pending(f); p != tt.pending {
					t.Errorf("HTTPD.GetPending() after %q = %q, want %q", tt.in, p, tt.pending)
				}
			})
		}
	}
}

func TestHTTPDRequestFields(t *testing.T) {
	f := filter.NewHTTPD()
	f.GetOneStart([][]byte{[]byte("PUT /x HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: 2\r\nX-A: 1\r\nX-A: 2\r\n\r\nhi")})
	recs, err := f.GetOne()
	if err != nil || len(recs) != 1 {
		t.Fatalf("HTTPD.GetOne() = %v, %v", recs, err)
	}
	req := recs[0].(*http.Request)
	if req.Host != "example.test" || !req.Close || req.ContentLength != 2 || req.URL.Path != "/x" {
		t.Errorf("request Host, Close, ContentLength, Path = %q, %v, %d, %q; want example.test, true, 2, /x", req.Host, req.Close, req.ContentLength, req.URL.Path)
	}
	if got := req.Header.Values("X-A"); len(got) != 2 || got[1] != "2" {
		t.Errorf("request X-A = %q, want [1 2]", got)
	}
}

func TestHTTPDErrorResponseStopsInput(t *testing.T) {
	f := filter.NewHTTPD(filter.HTTPDOptions{MaxContent: 10})
	f.GetOneStart([][]byte{[]byte("POST /up HTTP/1.1\r\nContent-Length: 11\r\n\r\n")})
	recs, err := f.GetOne()
	if err != nil || len(recs) != 1 {
		t.Fatalf("HTTPD.GetOne() = %v, %v", recs, err)
	}
	resp, ok := recs[0].(*http.Response)
	if !ok || resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
		t.Fatalf("HTTPD.GetOne() = %#v, want a 413 response with Close", recs[0])
	}
	if resp.Request == nil || resp.Request.URL.Path != "/up" {
		t.Errorf("413 response Request = %v, want the request for /up", resp.Request)
	}
	// The server puts it straight back.
	chunks, err := f.Put([]any{resp})
	if err != nil {
		t.Fatalf("HTTPD.Put(error response): %v", err)
	}
	back, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(chunks[0])), nil)
	if err != nil {
		t.Fatalf("reading the error response: %v", err)
	}
	body, _ := io.ReadAll(back.Body)
	if back.StatusCode != 413 || !back.Close || !bytes.Contains(body, []byte("Error 413")) {
		t.Errorf("error response on the wire = %d close=%v %q", back.StatusCode, back.Close, body)
	}
	f.GetOneStart([][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")})
	if got := drain(t, f); len(got) != 0 {
		t.Errorf("HTTPD.GetOne after an error response = %q, want nothing", got)
	}
	if p := f.GetPending(); p != nil {
		t.Errorf("HTTPD.GetPending after an error response = %q, want nil", p)
	}
	c := f.Clone()
	c.GetOneStart([][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")})
	if got := drain(t, c); len(got) != 1 {
		t.Errorf("clone of a failed HTTPD GetOne = %q, want one request", got)
	}
}

func TestHTTPDEscapesErrorDetails(t *testing.T) {
	f := filter.NewHTTPD()
	f.GetOneStart([][]byte{[]byte("<script>\r\n\r\n")})
	recs, _ := f.GetOne()
	resp := recs[0].(*http.Response)
	body, _ := io.ReadAll(resp.Body)
	if bytes.Contains(body, []byte("<script>")) {
		t.Errorf("error page echoes raw request bytes: %q", body)
	}
}

func TestHTTPDExpectContinue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "waiting for body", in: "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", want: "HTTP/1.1 100 Continue\r\n\r\n"},
		{name: "body already here", in: "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"},
		{name: "no body", in: "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"},
		{name: "too large gets 413 not 100", in: "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filter.NewHTTPD()
			f.GetOneStart([][]byte{[]byte(tt.in)})
			f.GetOne()
			got := string(bytes.Join(f.TakeOutput(), nil))
			if got != tt.want {
				t.Errorf("HTTPD.TakeOutput() after %q = %q, want %q", tt.in, got, tt.want)
			}
			if again := f.TakeOutput(); again != nil {
				t.Errorf("second TakeOutput() = %q, want nil", again)
			}
		})
	}
}

func TestHTTPDPut(t *testing.T) {
	head, _ := http.NewRequest("HEAD", "/", nil)
	tests := []struct {
		name string
		resp *http.Response
		want string
	}{
		{name: "defaults and length", resp: &http.Response{Body: io.NopCloser(strings.NewReader("hello"))}, want: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
		{name: "unknown length", resp: &http.Response{StatusCode: 201, ContentLength: -1, Header: http.Header{"X": {"y"}}, Body: io.NopCloser(strings.NewReader("ab"))}, want: "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX: y\r\n\r\nab"},
		{name: "no body", resp: &http.Response{StatusCode: 404}, want: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"},
		{name: "no content", resp: &http.Response{StatusCode: 204}, want: "HTTP/1.1 204 No Content\r\n\r\n"},
		{name: "http 1.0", resp: &http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 0, Body: io.NopCloser(strings.NewReader("x"))}, want: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"},
		{name: "head keeps length", resp: &http.Response{StatusCode: 200, ContentLength: 10, Request: head}, want: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := *tt.resp
			chunks, err := filter.NewHTTPD().Put([]any{tt.resp})
			if err != nil {
				t.Fatalf("HTTPD.Put: %v", err)
			}
			if got := string(chunks[0]); got != tt.want {
				t.Errorf("HTTPD.Put = %q, want %q", got, tt.want)
			}
			if tt.resp.StatusCode != orig.StatusCode || tt.resp.ContentLength != orig.ContentLength || tt.resp.ProtoMajor != orig.ProtoMajor {
				t.Errorf("HTTPD.Put modified the caller's response")
			}
		})
	}
	chunked := &http.Response{StatusCode: 200, TransferEncoding: []string{"chunked"}, Body: io.NopCloser(strings.NewReader("abc"))}
	chunks, err := filter.NewHTTPD().Put([]any{chunked})
	if err != nil {
		t.Fatalf("HTTPD.Put(chunked): %v", err)
	}
	back, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(chunks[0])), nil)
	if err != nil {
		t.Fatalf("reading the chunked response %q: %v", chunks[0], err)
	}
	if body, _ := io.ReadAll(back.Body); string(body) != "abc" || back.ContentLength != -1 || len(back.TransferEncoding) != 1 {
		t.Errorf("chunked response %q: body %q, ContentLength %d, want abc sent chunked", chunks[0], body, back.ContentLength)
	}
	bad := &http.Response{StatusCode: 200, ContentLength: 9, Body: io.NopCloser(strings.NewReader("short"))}
	if _, err := filter.NewHTTPD().Put([]any{bad}); err == nil {
		t.Errorf("HTTPD.Put with ContentLength 9 and a 5-byte body succeeded, want an error")
	}
	if _, err := filter.NewHTTPD().Put([]any{"text"}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("HTTPD.Put(string) error = %v, want ErrRecordType", err)
	}
	if _, err := filter.NewHTTPD().Put([]any{(*http.Response)(nil)}); !errors.Is(err, filter.ErrRecordType) {
		t.Errorf("HTTPD.Put(nil response) error = %v, want ErrRecordType", err)
	}
}

// TestHTTPDOverRealClientRequests parses what net/http's client writes.
func TestHTTPDOverRealClientRequests(t *testing.T) {
	var wire bytes.Buffer
	r1, _ := http.NewRequest("POST", "http://127.0.0.1/form", strings.NewReader("a=1&b=2"))
	r1.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r2, _ := http.NewRequest("PUT", "http://127.0.0.1/stream", io.NopCloser(strings.NewReader("streamed body")))
	r2.ContentLength = -1 // unknown: the client sends it chunked
	for _, r := range []*http.Request{r1, r2} {
		if err := r.Write(&wire); err != nil {
			t.Fatal(err)
		}
	}
	for how, chunks := range cuts(wire.Bytes()) {
		t.Run(how, func(t *testing.T) {
			f := filter.NewHTTPD()
			var reqs []*http.Request
			for _, c := range chunks {
				f.GetOneStart([][]byte{c})
				for {
					recs, err := f.GetOne()
					if err != nil {
						t.Fatal(err)
					}
					if len(recs) == 0 {
						break
					}
					reqs = append(reqs, recs[0].(*http.Request))
				}
			}
			if len(reqs) != 2 {
				t.Fatalf("got %d requests, want 2", len(reqs))
			}
			if err := reqs[0].ParseForm(); err != nil || reqs[0].PostForm.Get("b") != "2" {
				t.Errorf("form b = %q (%v), want 2", reqs[0].PostForm.Get("b"), err)
			}
			body, _ := io.ReadAll(reqs[1].Body)
			if string(body) != "streamed body" || reqs[1].ContentLength != -1 {
				t.Errorf("chunked PUT body, ContentLength = %q, %d; want %q, -1", body, reqs[1].ContentLength, "streamed body")
			}
		})
	}
}

func FuzzHTTPD(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), []byte{3}, "POST", "/p")
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), []byte{1, 5}, "PUT", "/")
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /x HTTP/1.0\n\n"), []byte{2}, "GET", "/a b")
	f.Add([]byte("\r\n\nGET"), []byte{1}, "DELETE", "")
	f.Fuzz(func(t *testing.T, data, sizes []byte, method, path string) {
		opts := filter.HTTPDOptions{MaxContent: 256, MaxBuffer: 512}
		whole := feed(t, filter.NewHTTPD(opts), [][]byte{data})
		cut := filter.NewHTTPD(opts)
		got := feed(t, cut, chunksOf(data, sizes))
		// The records do not depend on where the input was cut.
		if !equal(got, whole) {
			t.Fatalf("HTTPD records cut %v = %q, whole = %q", sizes, got, whole)
		}
		if p := pending(cut); len(p) > 256+512+64 {
			t.Fatalf("HTTPD kept %d bytes pending", len(p))
		}

		// Round trip: a request net/http writes comes back.
		if !validMethod(method) {
			method = "POST"
		}
		// Keep the header within MaxBuffer even with every byte escaped.
		u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/" + path[:min(len(path), 64)]}
		body := data[:min(len(data), 256)]
		req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
		if err != nil {
			return
		}
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return
		}
		back := feed(t, filter.NewHTTPD(opts), chunksOf(wire.Bytes(), sizes))
		want := method + " " + u.RequestURI() + " HTTP/1.1 body=" + strconvQuote(body)
		if len(back) != 1 || back[0] != want {
			t.Fatalf("HTTPD round trip = %q, want [%q]", back, want)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// strconvQuote quotes a body as show does.
func strconvQuote(b []byte) string { return fmt.Sprintf("%q", b) }

func BenchmarkHTTPDGetOne(b *testing.B) {
	req := []byte("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	f := filter.NewHTTPD()
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		f.GetOneStart([][]byte{req})
		if recs, err := f.GetOne(); err != nil || len(recs) != 1 {
			b.Fatal(recs, err)
		}
	}
}

func BenchmarkHTTPDPut(b *testing.B) {
	f := filter.NewHTTPD()
	body := bytes.Repeat([]byte("x"), 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(bytes.NewReader(body))}
		if _, err := f.Put([]any{resp}); err != nil {
			b.Fatal(err)
		}
	}
}
