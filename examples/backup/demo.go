package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// demo shows the tool on an embedded server: it backs a sample tree up,
// backs it up again (everything is unchanged), edits a file and backs up
// once more (only that file is sent), then restores the backup elsewhere
// and compares the two trees.
func demo(ctx context.Context, d client.Dialect, w io.Writer) error {
	srv := storagetest.NewServer(d)
	defer srv.Close()
	fmt.Fprintf(w, "started an embedded %s server at %s\n", d.Name, srv.URL)
	c, err := srv.Client()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "polystore-backup-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src, dst := filepath.Join(work, "src"), filepath.Join(work, "restored")
	if err := makeSampleTree(src); err != nil {
		return err
	}

	o := options{
		bucket: defaultBucket(d, "backups"), prefix: "demo/",
		parallel: 4, partSize: 5 << 20, // the 12 MiB file goes in three parts
		checkpointDir: filepath.Join(work, "checkpoints"),
	}
	if err := ensureBucket(ctx, c, o.bucket, w); err != nil {
		return err
	}
	t, err := newTool(c, o, w)
	if err != nil {
		return err
	}

	steps := []struct {
		title string
		do    func() (summary, error)
	}{
		{"back up the sample tree", func() (summary, error) { return t.backup(ctx, src) }},
		{"back up again: nothing changed", func() (summary, error) { return t.backup(ctx, src) }},
		{"edit notes/todo.txt and back up again", func() (summary, error) {
			if err := appendFile(filepath.Join(src, "notes", "todo.txt"), "- try polystore's backup example\n"); err != nil {
				return summary{}, err
			}
			return t.backup(ctx, src)
		}},
		{"restore into another directory", func() (summary, error) { return t.restore(ctx, dst) }},
	}
	for _, step := range steps {
		fmt.Fprintf(w, "\n== %s\n", step.title)
		s, err := step.do()
		if err != nil {
			return err
		}
		fmt.Fprintln(w, s)
	}

	if err := compareTrees(src, dst); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nthe restored tree is identical to the source, byte for byte")
	return nil
}

// makeSampleTree writes a few small files and one large one (backed up in
// parts) under dir.
func makeSampleTree(dir string) error {
	big := make([]byte, 12<<20)
	rand.NewChaCha8([32]byte{'d', 'e', 'm', 'o'}).Read(big)
	files := map[string][]byte{
		"notes/todo.txt":      []byte("- back up the photos\n"),
		"notes/ideas.txt":     []byte("an object store is a very large map\n"),
		"photos/2024/cat.raw": big[:300<<10],
		"data/big.bin":        big,
		"empty.txt":           nil,
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// compareTrees checks that trees a and b hold the same files with the same
// bytes.
func compareTrees(a, b string) error {
	as, err := scanTree(a)
	if err != nil {
		return err
	}
	bs, err := scanTree(b)
	if err != nil {
		return err
	}
	if len(as) != len(bs) {
		return fmt.Errorf("%s has %d files, %s has %d", a, len(as), b, len(bs))
	}
	for i := range as {
		if as[i].rel != bs[i].rel {
			return fmt.Errorf("%s has %s where %s has %s", a, as[i].rel, b, bs[i].rel)
		}
		da, err := os.ReadFile(as[i].path)
		if err != nil {
			return err
		}
		db, err := os.ReadFile(bs[i].path)
		if err != nil {
			return err
		}
		if !bytes.Equal(da, db) {
			return fmt.Errorf("%s differs", as[i].rel)
		}
	}
	return nil
}

// localFile is a regular file of a tree.
type localFile struct {
	rel  string // path from the tree's root, with "/"
	path string
}

// scanTree lists the regular files under root, in lexical order.
func scanTree(root string) ([]localFile, error) {
	var files []localFile
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files = append(files, localFile{rel: filepath.ToSlash(rel), path: path})
		return nil
	})
	return files, err
}
