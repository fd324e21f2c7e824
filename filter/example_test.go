package filter_test

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/seed02617006/poe/filter"
)

func ExampleLine() {
	f := filter.NewLine()
	// Chunks cut anywhere, and any newline convention.
	f.GetOneStart([][]byte{[]byte("first\r"), []byte("\nsecond\nthi")})
	for {
		recs, err := f.GetOne()
		if err != nil || len(recs) == 0 {
			break
		}
		fmt.Printf("%q\n", recs[0])
	}
	fmt.Printf("pending %q\n", f.GetPending())
	out, _ := f.Put([]any{"reply"})
	fmt.Printf("%q\n", out)
	// Output:
	// "first"
	// "second"
	// pending ["thi"]
	// ["reply\r\n"]
}

func ExampleBlock() {
	// POE::Filter::Block's SYNOPSIS.
	f := filter.NewBlock(filter.BlockOptions{BlockSize: 8})
	f.GetOneStart([][]byte{[]byte("abcdefghijklmnopqrstuvwxyz")})
	for {
		recs, _ := f.GetOne()
		if len(recs) == 0 {
			break
		}
		fmt.Printf("%s\n", recs[0])
	}
	f.GetOneStart([][]byte{[]byte("123456")})
	recs, _ := f.GetOne()
	fmt.Printf("%s\n", recs[0])
	// Output:
	// abcdefgh
	// ijklmnop
	// qrstuvwx
	// yz123456
}

func ExampleStackable() {
	// Lines carried in length-prefixed blocks, keeping only errors.
	s := filter.NewStackable(filter.StackableOptions{Filters: []filter.Filter{
		filter.NewBlock(),
		filter.NewLine(),
		filter.NewGrep(filter.GrepOptions{Get: func(r any) bool { return strings.HasPrefix(r.(string), "ERR") }}),
	}})
	wire, _ := filter.NewBlock().Put([]any{"OK 1\nERR disk\n", "OK 2\nERR net"})
	s.GetOneStart(wire)
	s.GetOneStart([][]byte{[]byte("2\x00\r\n")})
	for {
		recs, _ := s.GetOne()
		if len(recs) == 0 {
			break
		}
		fmt.Println(recs[0])
	}
	out, _ := s.Put([]any{"ACK"})
	fmt.Printf("%q\n", out)
	// Output:
	// ERR disk
	// ERR net
	// ["5\x00ACK\r\n"]
}

func ExampleHTTPD() {
	f := filter.NewHTTPD()
	f.GetOneStart([][]byte{[]byte("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /next HTTP/1.1\r\n")})
	recs, _ := f.GetOne()
	req := recs[0].(*http.Request)
	fmt.Println(req.Method, req.URL.Path)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}},
		Body: io.NopCloser(strings.NewReader("hi\n"))}
	out, _ := f.Put([]any{resp})
	back, _ := http.ReadResponse(bufio.NewReader(bytes.NewReader(out[0])), req)
	fmt.Println(back.Status, back.ContentLength)
	fmt.Printf("still buffered: %q\n", f.GetPending())
	// Output:
	// GET /hello
	// 200 OK 3
	// still buffered: ["GET /next HTTP/1.1\r\n"]
}

// Job is a record type for ExampleReference.
type Job struct {
	ID   int
	Args []string
}

func ExampleReference() {
	gob.Register(Job{}) // gob sends records as interface values
	f := filter.NewReference()
	chunks, err := f.Put([]any{Job{ID: 7, Args: []string{"-v"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	f.GetOneStart(chunks)
	recs, _ := f.GetOne()
	fmt.Printf("%+v\n", recs[0])
	// Output:
	// {ID:7 Args:[-v]}
}
