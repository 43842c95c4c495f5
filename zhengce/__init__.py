"""zhengce: the application around the stages: settings, the pipeline that runs them, the CLI."""
