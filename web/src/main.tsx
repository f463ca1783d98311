import { render } from 'preact';
import { App } from './app.tsx';
import { keepSessionFresh } from './lib/api.ts';
import './styles.css';

keepSessionFresh();
render(<App />, document.getElementById('app') as HTMLElement);
