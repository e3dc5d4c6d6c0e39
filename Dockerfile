# One image for the worker and the API: `profitshare worker` or `profitshare api`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY config config
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY runtime runtime
COPY services services
COPY workers workers
COPY db db
COPY api api
COPY emulators emulators
COPY cli cli
COPY stack stack
COPY benchmarks benchmarks
RUN pip install --no-cache-dir -c constraints.txt . && useradd --system profitshare
USER profitshare
ENV PROFITSHARE_API_HOST=0.0.0.0
EXPOSE 8000
CMD ["profitshare", "api"]
