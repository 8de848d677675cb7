#!/usr/bin/env python3
"""Reference: what a researcher writes in an afternoon with opencv-python.

For every video: decode, resize to 480 px wide, DIS optical flow forward and backward (preset FAST),
a forward-backward occlusion mask, and the mean photometric warping error on non-occluded pixels.
Prints one line: frames and seconds. Usage: reference_flow.py VIDEO...
"""
import sys, time
import cv2
import numpy as np

WIDTH = 480


def warp(img, flow):
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def process(path, dis):
    cap = cv2.VideoCapture(path)
    prev, frames = None, 0
    errors = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames += 1
        h, w = frame.shape[:2]
        if w > WIDTH:
            frame = cv2.resize(frame, (WIDTH, round(h * WIDTH / w)), interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if prev is not None:
            fwd = dis.calc(prev, gray, None)
            bwd = dis.calc(gray, prev, None)
            bwd_at = np.dstack([warp(bwd[..., 0], fwd), warp(bwd[..., 1], fwd)])
            s = fwd + bwd_at
            occluded = (s ** 2).sum(-1) > 0.01 * ((fwd ** 2).sum(-1) + (bwd_at ** 2).sum(-1)) + 0.5
            err = np.abs(warp(gray.astype(np.float32), fwd) - prev.astype(np.float32))
            errors.append(float(err[~occluded].mean()) if (~occluded).any() else 0.0)
        prev = gray
    return frames


def main():
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    start, frames = time.perf_counter(), 0
    for p in sys.argv[1:]:
        frames += process(p, dis)
    print(f"{frames} {time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main()
