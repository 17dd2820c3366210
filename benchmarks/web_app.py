"""The course's FastAPI service, as its clients meet it: one house per POST to
``/api/v1/predict``. Served by uvicorn in each package's own environment (ours,
or the reference's) by ``web_timings.py``; it runs under pydantic 1 and 2.

Beside it, two endpoints that take the same request and return a constant, to
measure what the app costs without the package: ``/api/v1/constant`` (FastAPI
and the request's validation alone) and ``/api/v1/frame`` (also the
DataFrame the course's endpoint builds).
"""

import json
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, HTTPException
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from regression_model.predict import make_prediction
from regression_model.processing.validation import HouseDataInputSchema


class MultipleHouseDataInputs(BaseModel):
    inputs: list[HouseDataInputSchema]


class PredictionResults(BaseModel):
    errors: Any | None = None
    version: str
    predictions: list[float] | None = None


CONSTANT = {"errors": None, "version": "constant", "predictions": [180000.0]}

app = FastAPI()


@app.post("/api/v1/predict", response_model=PredictionResults, status_code=200)
async def predict(input_data: MultipleHouseDataInputs) -> Any:
    """The course's endpoint, line for line but its logging."""
    input_df = pd.DataFrame(jsonable_encoder(input_data.inputs))
    results = make_prediction(input_data=input_df.replace({np.nan: None}))
    if results["errors"] is not None:
        raise HTTPException(status_code=400, detail=json.loads(results["errors"]))
    return results


@app.post("/api/v1/frame", response_model=PredictionResults, status_code=200)
async def frame(input_data: MultipleHouseDataInputs) -> Any:
    """The endpoint's own work without the package: the DataFrame, a constant."""
    input_df = pd.DataFrame(jsonable_encoder(input_data.inputs))
    input_df.replace({np.nan: None})
    return CONSTANT


@app.post("/api/v1/constant", response_model=PredictionResults, status_code=200)
async def constant(input_data: MultipleHouseDataInputs) -> Any:
    """FastAPI's own cost: the request validated, a constant returned."""
    return CONSTANT
