package client

// ObjectWire holds the wire facts of object and multipart operations that
// differ between dialects (copy-source form, metadata-directive values,
// SSE-C header names, storage classes, multipart body shapes, ...).
// Operation code reads these fields; it never compares dialect names.
type ObjectWire struct{}

var (
	s3ObjectWire       = ObjectWire{}
	ibmObjectWire      = s3ObjectWire
	cosObjectWire      = ObjectWire{}
	qingstorObjectWire = ObjectWire{}
)
