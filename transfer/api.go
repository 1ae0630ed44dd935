package transfer

import (
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer/transferapi"
)

// ObjectOptions are the stored properties of an uploaded object: content
// type, encoding, disposition, cache control and user metadata (see
// transferapi.ObjectOptions).
type ObjectOptions = transferapi.ObjectOptions

// NewFromClient returns a manager that reaches the service through c,
// with polystore's object, multipart and bucket packages
// (transferapi.NewClient), configured by optFns applied to the default
// Options. It is New(transferapi.NewClient(c), optFns...).
func NewFromClient(c *client.Client, optFns ...func(*Options)) (*Manager, error) {
	if c == nil {
		return nil, client.InvalidArgument("Client", "must not be nil")
	}
	return New(transferapi.NewClient(c), optFns...)
}
