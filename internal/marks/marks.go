// Package marks checks the HighMark/LowMark options that the TCP server
// and client components share with POE's Server::TCP and Client::TCP.
package marks

import "fmt"

// Check validates high and low together with whether the high and low
// callbacks (named highName, lowName in messages) are set: all four go
// together, both marks above 0 and low below high. It reports whether the
// marks are in use.
func Check(high, low int, onHigh, onLow bool, highName, lowName string) (bool, error) {
	n := 0
	for _, set := range []bool{high != 0, low != 0, onHigh, onLow} {
		if set {
			n++
		}
	}
	if n != 0 && n != 4 {
		return false, fmt.Errorf("HighMark, LowMark, %s and %s go together", highName, lowName)
	}
	if n == 4 && (high <= 0 || low <= 0 || low >= high) {
		return false, fmt.Errorf("LowMark %d must be above 0 and below HighMark %d", low, high)
	}
	return n == 4, nil
}
