package wheel

import (
	"math/bits"
	"sync"
)

// Read buffers come from pools by size, minChunk to maxForward, and go
// back as soon as the session's input filter has copied what they hold.
// A reader on a socket takes one only when there is data to read (see
// readRaw), so an idle connection holds no buffer at all, and a busy
// server reuses the same few instead of allocating one per read.
var bufPools [poolClasses]sync.Pool

// poolClasses is the number of sizes: 4 KiB to 128 KiB.
const poolClasses = 6

// poolClass is the pool of buffers of size, a power of two from
// minChunk to maxForward.
func poolClass(size int) int {
	return bits.TrailingZeros(uint(size / minChunk))
}

// getBuf returns a buffer of size bytes.
func getBuf(size int) *[]byte {
	if p, ok := bufPools[poolClass(size)].Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, size)
	return &b
}

// putBuf gives a buffer from getBuf back; nil is ignored.
func putBuf(p *[]byte) {
	if p != nil {
		bufPools[poolClass(len(*p))].Put(p)
	}
}

// The pools must cover minChunk to maxForward.
var _ = [1]struct{}{}[maxForward/minChunk-1<<(poolClasses-1)]
