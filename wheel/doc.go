// Package wheel holds POE's wheels: SocketFactory, ReadWrite,
// ListenAccept, UDP, Run and FollowTail.
//
// A wheel is made in a handler with the session's kernel view (e.Kernel)
// and belongs to that session: its constructor registers it with
// Kernel.HandleAdd (so it keeps the session alive) and adds its internal
// events with Kernel.State. Its goroutines block on the socket, file or
// process and post those internal events to the session; filters and the
// user's events run in the session's handlers. Close (or Heap.Delete of
// the key that holds it, or the session's stop) stops its goroutines,
// closes its descriptors and lets the session be collected.
package wheel
