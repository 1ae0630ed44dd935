package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"path/filepath"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/transfer/transferapi"
)

// CopySource names the object Manager.Copy reads.
type CopySource struct {
	// API reads the source when it is reached through another client
	// than the manager's: another account, region or dialect (QingStor
	// to S3, COS to IBM, ...). The copy then streams ranged GETs of the
	// source into a multipart upload through this process. Nil means the
	// manager's own API: the service copies the object itself
	// (CopyObject, UploadPartCopy) and no byte passes through the client.
	// Setting the manager's own API here streams the copy through the
	// client all the same.
	API transferapi.DownloadAPI
	// Bucket and Key name the source object.
	Bucket, Key string
	// VersionID, if set, copies that version of the source.
	VersionID string
}

// CopyDestination names the object Manager.Copy writes and what it
// stores.
type CopyDestination struct {
	// Bucket and Key name the copy.
	Bucket, Key string
	// ReplaceMetadata gives the copy ObjectOptions. Without it the copy
	// keeps the source's content type, content encoding, content
	// disposition, cache control and user metadata, and ObjectOptions
	// must be empty.
	ReplaceMetadata bool
	ObjectOptions
}

func (s *CopySource) check() error {
	if s.Bucket == "" {
		return client.InvalidArgument("CopySource.Bucket", "must not be empty")
	}
	if s.Key == "" {
		return client.InvalidArgument("CopySource.Key", "must not be empty")
	}
	return nil
}

func (d *CopyDestination) check() error {
	if d.Bucket == "" {
		return client.InvalidArgument("CopyDestination.Bucket", "must not be empty")
	}
	if d.Key == "" {
		return client.InvalidArgument("CopyDestination.Key", "must not be empty")
	}
	o := d.ObjectOptions
	if !d.ReplaceMetadata && (len(o.Metadata) > 0 || o.ContentType != "" || o.ContentEncoding != "" || o.ContentDisposition != "" || o.CacheControl != "") {
		return client.InvalidArgument("CopyDestination.ReplaceMetadata", "must be set to give the copy ObjectOptions (without it the copy keeps the source's)")
	}
	return nil
}

// Copy starts copying src to dst and returns the task at once, like
// Upload.
//
// When src.API is nil the service copies the object itself and no byte
// passes through this process: one CopyObject request up to the
// dialect's Limits.MaxCopySize (or below Options.MultipartThreshold, if
// set), else a multipart upload whose parts are UploadPartCopy requests
// for consecutive ranges of the source, PartParallelism at a time. The
// parts of such a copy are at least PartSize and otherwise as large as
// about 4 × PartParallelism parts of the object make them, within the
// dialect's limits: a copy moves no bytes through the client, so large
// parts cost no memory and save requests. Every request names the
// source's ETag (If-Match), so a source that changes during the copy
// fails it with ErrSourceChanged.
//
// With src.API set (another account, region or dialect), the copy
// streams ranged GETs of the source into a multipart upload (or a single
// PUT below the part size), with memory bounded by PartSize ×
// (PartParallelism + 2) and a little more. It is verified end to end:
// the bytes read are checked against what the source publishes (COS's
// CRC-64, an S3 or IBM checksum, the CRC-32C of a polystore QingStor
// ETag, an MD5 ETag; see "Verified downloads" in the package
// documentation) before the destination upload completes, and each part
// is verified by the destination as an upload's is (Result.Verified
// names both legs: "read:crc64 write:crc32c").
//
// Either kind keeps the source's content headers and user metadata,
// unless dst.ReplaceMetadata gives the copy its own; a multipart copy
// carries them to the new upload (ContentLanguage, Expires, storage class
// and ACL are not carried). With Options.CheckpointDir a multipart copy
// is journaled and resumes after a crash (the same Copy call), sending
// only the parts not yet acknowledged; a source changed since is copied
// afresh. Pause, Resume, PauseNow and Cancel work as for uploads; a
// cancelled multipart copy is aborted unless Options.KeepParts.
func (m *Manager) Copy(ctx context.Context, src *CopySource, dst *CopyDestination, optFns ...func(*Options)) (*Task, error) {
	if src == nil {
		return nil, client.InvalidArgument("CopySource", "must not be nil")
	}
	if dst == nil {
		return nil, client.InvalidArgument("CopyDestination", "must not be nil")
	}
	if err := src.check(); err != nil {
		return nil, err
	}
	if err := dst.check(); err != nil {
		return nil, err
	}
	o, err := m.taskOptions(optFns)
	if err != nil {
		return nil, err
	}
	d := m.api.Dialect()
	cp, serverSide := m.api.(transferapi.CopyAPI)
	serverSide = serverSide && src.API == nil
	if serverSide && src.Bucket == dst.Bucket && src.Key == dst.Key && src.VersionID == "" && !dst.ReplaceMetadata {
		return nil, client.InvalidArgument("CopyDestination.Key", "is the source itself: set ReplaceMetadata to change its properties")
	}
	if !serverSide {
		if o.Integrity == IntegrityCRC64 && !d.Has(client.FeatureCRC64) {
			return nil, client.NotSupported(d, "Integrity", "CRC-64 checking")
		}
		if o.Integrity == IntegrityCRC32C && !d.Has(client.FeatureChecksums) {
			return nil, client.NotSupported(d, "Integrity", "CRC32C additional checksums")
		}
	}
	t := m.newTask(ctx, "copy", dst.Bucket, dst.Key, o)
	if serverSide {
		t.job = newCopyJob(t, m.api, cp, src, dst)
	} else {
		read := src.API
		if read == nil {
			read = m.api
		}
		t.job = newStreamCopyJob(t, m.api, read, src, dst)
	}
	go t.run()
	return t, nil
}

// copyOptions returns the stored properties of a copy made by a
// multipart upload: the source's (info), or dst's with ReplaceMetadata.
// The source's recorded part size is left out: the copy's parts are its
// own, and the upload records theirs where it needs to.
func copyOptions(info *transferapi.ObjectInfo, dst *CopyDestination) ObjectOptions {
	if dst.ReplaceMetadata {
		return dst.ObjectOptions
	}
	o := ObjectOptions{
		ContentType: info.ContentType, ContentEncoding: info.ContentEncoding,
		ContentDisposition: info.ContentDisposition, CacheControl: info.CacheControl,
	}
	if len(info.Metadata) > 0 {
		o.Metadata = maps.Clone(info.Metadata)
		for k := range o.Metadata {
			if strings.EqualFold(k, integrity.PartSizeMeta) {
				delete(o.Metadata, k)
			}
		}
	}
	return o
}

// copyJournalPath returns where the journal of a copy lives: one per
// destination and source (and kind: a copy through the client is
// journaled apart from a server-side one).
func copyJournalPath(dir, kind string, src *CopySource, dst *CopyDestination) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + dst.Bucket + "\x00" + dst.Key + "\x00" + src.Bucket + "\x00" + src.Key + "\x00" + src.VersionID))
	return filepath.Join(dir, "copy-"+hex.EncodeToString(sum[:12])+".journal")
}

// sourceName is how a copy's journal names its source.
func sourceName(src *CopySource) string { return src.Bucket + "/" + src.Key }

// copyThreshold is the size from which a copy is made in parts: the
// dialect's single-copy limit, or Options.MultipartThreshold when set.
func copyThreshold(o *Options, lim client.Limits) (int64, bool) {
	switch thr := o.MultipartThreshold; {
	case thr < 0:
		return 1, true
	case thr > 0:
		if lim.MaxCopySize > 0 {
			thr = min(thr, lim.MaxCopySize+1)
		}
		return thr, true
	case lim.MaxCopySize > 0:
		return lim.MaxCopySize + 1, true
	}
	return 0, false
}
