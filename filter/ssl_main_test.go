package filter_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: an SSL filter
// owns one, and Close must end it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
