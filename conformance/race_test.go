//go:build race

package conformance

// Under go test -race, poeconf is built with the race detector too, so
// that the kernel's goroutines are checked while the cases run.
func init() { raceBuild = true }
