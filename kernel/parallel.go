package kernel

import "errors"

var errParallelTODO = errors.New("kernel: parallel mode is not built yet")

func (c *core) runParallel() error { return errParallelTODO }
func (c *core) parallelStop()      {}
func (c *core) parallelCreate(k *Kernel, spec SessionSpec) (*Session, error) {
	return nil, errParallelTODO
}
func (c *core) parallelCall(src, dest *Session, name string, args []any, file string, line int, from string) (any, error) {
	return nil, errParallelTODO
}
