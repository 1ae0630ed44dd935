package transfer

import "github.com/polystore/polystore/transfer/transferapi"

// The tests of this package name the service API's types as they were
// named before they moved to transferapi (out of the package index users
// read first): these aliases are for the tests only.
type (
	API                           = transferapi.API
	UploadAPI                     = transferapi.UploadAPI
	DownloadAPI                   = transferapi.DownloadAPI
	ClientAPI                     = transferapi.Client
	PutObjectInput                = transferapi.PutObjectInput
	PutObjectOutput               = transferapi.PutObjectOutput
	CreateMultipartUploadInput    = transferapi.CreateMultipartUploadInput
	UploadRef                     = transferapi.UploadRef
	UploadPartInput               = transferapi.UploadPartInput
	UploadPartOutput              = transferapi.UploadPartOutput
	CompletedPart                 = transferapi.CompletedPart
	CompleteMultipartUploadInput  = transferapi.CompleteMultipartUploadInput
	CompleteMultipartUploadOutput = transferapi.CompleteMultipartUploadOutput
	ServerPart                    = transferapi.ServerPart
	ServerUpload                  = transferapi.ServerUpload
	HeadObjectInput               = transferapi.HeadObjectInput
	ObjectInfo                    = transferapi.ObjectInfo
	GetObjectRangeInput           = transferapi.GetObjectRangeInput
	CopyAPI                       = transferapi.CopyAPI
	CopyObjectInput               = transferapi.CopyObjectInput
	CopyObjectOutput              = transferapi.CopyObjectOutput
	UploadPartCopyInput           = transferapi.UploadPartCopyInput
	UploadPartCopyOutput          = transferapi.UploadPartCopyOutput
	ListAPI                       = transferapi.ListAPI
	ObjectEntry                   = transferapi.ObjectEntry
)

// NewClientAPI is transferapi.NewClient.
var NewClientAPI = transferapi.NewClient
