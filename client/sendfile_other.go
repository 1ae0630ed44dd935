//go:build !linux

package client

import "io"

// sendFile is not used on this platform: sections are copied.
func (c *bulkConn) sendFile(*io.LimitedReader, *fileSection) (int64, bool, error) {
	return 0, false, nil
}
