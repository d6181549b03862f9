"""A streamed CSV (etl.delimited.csv_chunks): pyarrow's streaming reader for plain UTF-8 files,
the careful C reader for the rest and from wherever Arrow stops. Whichever reads it, a file gives
the same chunks: cells, dtypes, index, row numbers, ragged rows and error messages."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from etl import delimited
from etl.delimited import ReadError, csv_chunks

HEADER = ["姓名", "城市", "备注"]
CELLS = ["张三", "青岛市崂山区", "", " 空格 ", "a,b", 'say "hi"', "1,5", "x" * 30, "C/C++", "-"]


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


def _write(path, rows, *, bom=False, sep=",", header=HEADER) -> None:
    lines = [sep.join(_quoted(c) for c in header)]
    lines += [sep.join(_quoted(c) for c in r) if isinstance(r, list) else r for r in rows]
    path.write_bytes(("\ufeff" if bom else "").encode() + ("\n".join(lines) + "\n").encode())


def _rows(n: int, seed: int) -> list[list[str]]:
    rnd = random.Random(seed)
    return [[rnd.choice(CELLS) for _ in HEADER] for _ in range(n)]


def _careful(path, chunk_rows):
    encoding, sep = delimited._sniff(path)
    return list(delimited._careful_chunks(path, encoding, sep, chunk_rows, 0))


def _flat(chunks):
    """All chunks as one frame with row numbers, and every ragged row."""
    data = pd.concat([c.data.assign(_line=c.row_numbers) for c in chunks])
    return data, [b for c in chunks for b in c.bad_rows]


def _spy_arrow(monkeypatch) -> list[int]:
    sent = []
    real = delimited._arrow_table

    def spy(table, *args):
        out = real(table, *args)
        sent.append(len(out.data))
        return out

    monkeypatch.setattr(delimited, "_arrow_table", spy)
    return sent


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("sep", [",", "\t"])
@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 1000])
def test_a_plain_file_streams_through_arrow_as_the_careful_reader_reads_it(
        tmp_path, monkeypatch, bom, sep, chunk_rows):
    path = tmp_path / "f.csv"
    _write(path, _rows(23, seed=chunk_rows), bom=bom, sep=sep)
    want = _careful(path, chunk_rows)
    sent = _spy_arrow(monkeypatch)
    got = list(csv_chunks(path, chunk_rows))
    assert sum(sent) == 23  # every row came through Arrow
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(g.data, w.data)
        pd.testing.assert_series_equal(g.row_numbers, w.row_numbers)
        assert (g.fmt, g.encoding, g.bad_rows, g.notes) == (w.fmt, w.encoding, w.bad_rows, w.notes)
    assert str(got[0].data.dtypes.iloc[0]) == "str"


BREAKS = {
    "quoted newline": '张三,"两行\n的备注",x',
    "too many cells": "张三,青岛,x,多出来的",
    "too few cells": "张三",
}


@pytest.mark.parametrize("kind", sorted(BREAKS))
@pytest.mark.parametrize("at", [0, 4, 9])
def test_the_careful_reader_takes_over_where_arrow_stops(tmp_path, monkeypatch, kind, at):
    rows: list = _rows(12, seed=at)
    rows.insert(at, BREAKS[kind])
    path = tmp_path / "f.csv"
    _write(path, rows)
    want_data, want_bad = _flat(_careful(path, 3))
    monkeypatch.setattr(delimited, "ARROW_BLOCK_BYTES", 64)  # Arrow parses a few rows at a time
    sent = _spy_arrow(monkeypatch)
    got_data, got_bad = _flat(list(csv_chunks(path, 3)))
    pd.testing.assert_frame_equal(got_data, want_data)
    assert got_bad == want_bad
    if kind == "quoted newline":  # Arrow reads it, as the careful reader does
        assert sum(sent) == 13
    else:  # Arrow sent whole chunks before the break, then the careful reader went on
        assert sum(sent) <= at and sum(sent) % 3 == 0 and (sum(sent) > 0 or at < 6)
    if kind == "too many cells" and at:  # (pandas takes a longer first row's extra as an index)
        assert got_bad and got_bad[0][0] == at + 2  # the line is named


def test_a_bad_byte_in_a_later_chunk_is_named_by_its_line(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    _write(path, _rows(12, seed=1))
    lines = path.read_bytes().split(b"\n")
    lines[9] = lines[9] + b"\xff\xfe"
    path.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(delimited, "SAMPLE_BYTES", 100)  # the encoding sniff sees UTF-8
    monkeypatch.setattr(delimited, "ARROW_BLOCK_BYTES", 64)
    sent = _spy_arrow(monkeypatch)
    got = []
    with pytest.raises(ReadError, match="第 10 行附近编码错误"):
        for chunk in csv_chunks(path, 2):
            got.append(chunk)
    assert sum(sent) > 0  # Arrow's chunks came first,
    assert [n for c in got for n in c.row_numbers] == list(range(2, 10))  # then the careful ones


@pytest.mark.parametrize("header", [["a", "a", "b"], ["a", "", "b"]])
def test_headers_arrow_would_take_otherwise_go_the_careful_way(tmp_path, monkeypatch, header):
    path = tmp_path / "f.csv"
    _write(path, [["1", "2", "3"]], header=header)
    sent = _spy_arrow(monkeypatch)
    got = list(csv_chunks(path, 2))
    assert sent == []
    assert got[0].headers == _careful(path, 2)[0].headers


def test_a_gbk_file_goes_the_careful_way(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    path.write_bytes("姓名,城市\n张三,青岛\n".encode("gbk"))
    sent = _spy_arrow(monkeypatch)
    got = list(csv_chunks(path, 2))
    assert sent == [] and got[0].encoding == "gb18030"
    assert got[0].data["城市"].tolist() == ["青岛"]


def test_quoted_newlines_across_arrow_blocks_are_read_as_the_careful_reader_reads_them(
        tmp_path, monkeypatch):
    rows = [[f"张{i}", "青岛", "第一行\n第二行" if i % 3 == 0 else "x"] for i in range(60)]
    path = tmp_path / "f.csv"
    _write(path, rows)
    # Blocks end inside quoted values. (The streaming reader then gives the same rows with
    # newlines_in_values off as well: this holds the result, not the flag.)
    monkeypatch.setattr(delimited, "ARROW_BLOCK_BYTES", 64)
    want_data, want_bad = _flat(_careful(path, 7))
    sent = _spy_arrow(monkeypatch)
    got_data, got_bad = _flat(list(csv_chunks(path, 7)))
    assert sum(sent) == 60
    pd.testing.assert_frame_equal(got_data, want_data)
    assert got_data["备注"].tolist().count("第一行\n第二行") == 20


def test_the_first_chunk_is_small_and_the_rows_are_the_same(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    _write(path, _rows(23, seed=9))
    want_data, _ = _flat(_careful(path, 5))
    monkeypatch.setattr(delimited, "FIRST_CHUNK_ROWS", 2)
    got = list(csv_chunks(path, 5))
    assert [len(c.data) for c in got] == [2, 5, 5, 5, 5, 1]
    pd.testing.assert_frame_equal(_flat(got)[0], want_data)


def test_a_ragged_row_among_the_rows_arrow_sent_stops_the_file(tmp_path):
    """Should the readers ever disagree (the careful one finds a ragged row among the rows
    Arrow already sent), the file fails naming the line rather than keep rows read two ways."""
    rows: list = _rows(6, seed=4)
    rows.insert(2, BREAKS["too many cells"])
    path = tmp_path / "f.csv"
    _write(path, rows)
    with pytest.raises(ReadError, match="第 4 行: 两种读法对该行理解不同"):
        list(delimited._careful_chunks(path, "utf-8", ",", 3, skip=5))
    # no disagreement when the ragged row comes after the rows sent
    got = list(delimited._careful_chunks(path, "utf-8", ",", 3, skip=2))
    assert got[0].bad_rows and got[0].bad_rows[0][0] == 4
    assert [n for c in got for n in c.row_numbers] == [5, 6, 7, 8]
