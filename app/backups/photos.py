"""The uploaded photos in a backup: copied from and to the folder the config key names."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The one place that says where photos live on disk; point it elsewhere when photo storage moves.
PHOTO_FOLDER_KEY = "UPLOAD_FOLDER"
IN_BACKUP = "photos"


def photo_folder(config: Mapping[str, Any]) -> Path:
    return Path(config[PHOTO_FOLDER_KEY])


def stored_photos(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def copy_tree(files: list[Path], source: Path, target: Path) -> list[Path]:
    """Copy `files` (under `source`) to the same relative places under `target`; returns the copies."""
    copies = []
    for path in files:
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
        copies.append(copy)
    return copies


def back_up_photos(config: Mapping[str, Any], backup_root: Path) -> list[Path]:
    """Copies of every stored photo under <backup>/photos/."""
    folder = photo_folder(config)
    return copy_tree(stored_photos(folder), folder, backup_root / IN_BACKUP)


def restore_photos(config: Mapping[str, Any], backup_root: Path) -> list[Path]:
    """Put the backup's photos back into the photo folder; returns the copies."""
    source = backup_root / IN_BACKUP
    return copy_tree(stored_photos(source), source, photo_folder(config))
