package marks

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name           string
		high, low      int
		onHigh, onLow  bool
		wantOn, wantOK bool
	}{
		{"none", 0, 0, false, false, false, true},
		{"all four", 100, 10, true, true, true, true},
		{"marks without callbacks", 100, 10, false, false, false, false},
		{"one callback", 0, 0, true, false, false, false},
		{"low not below high", 10, 10, true, true, false, false},
		{"negative", -1, -5, true, true, false, false},
	} {
		on, err := Check(tc.high, tc.low, tc.onHigh, tc.onLow, "H", "L")
		if on != tc.wantOn || (err == nil) != tc.wantOK {
			t.Errorf("%s: Check(%d, %d, %v, %v) = %v, %v; want %v, ok=%v", tc.name, tc.high, tc.low, tc.onHigh, tc.onLow, on, err, tc.wantOn, tc.wantOK)
		}
	}
}
