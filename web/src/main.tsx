import { render } from 'preact';

function App() {
  return <main><h1>Mercato</h1></main>;
}
render(<App />, document.getElementById('app') as HTMLElement);
